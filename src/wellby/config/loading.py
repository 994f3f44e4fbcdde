"""Study configuration: load, validate against the JSON schema, fill defaults.

The schema is package data (``wellby/config/schema.yaml``), so a study config loads
wherever wellby is installed; it is the one home of every key, default and enum.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from wellby.config.typed import Cba, Section, Study
from wellby.errors import ConfigError
from wellby.prepare.codes import code_key

DEFAULT_SCHEMA = Path(__file__).resolve().parent / "schema.yaml"


class _DuplicateKeyError(yaml.YAMLError):
    """A mapping in the YAML file gives the same key twice."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping.

    PyYAML keeps the last of two equal keys without a word, so a study file with two
    ``outcomes:`` lines would silently lose the first; here it is an error naming the key
    and both lines.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKeyError(
                    f"the key '{key}' is given twice in one section (lines {seen[key]} and "
                    f"{line}); keep one")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML file into a dict, with an error naming the file when it cannot be parsed.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    dict
        The parsed mapping (empty when the file is empty).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        content = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except _DuplicateKeyError as err:
        raise ConfigError(f"config file {path}: {err}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
    if content is None:
        return {}
    if not isinstance(content, dict):
        raise ConfigError(f"config file {path} must hold a mapping of sections at its top level")
    return content


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if (error.validator == "not" and isinstance(error.validator_value, Mapping)
            and set(error.validator_value) == {"const"}):
        return f"must not be {error.validator_value['const']!r}"
    if error.validator == "pattern" and error.validator_value == r"\S":
        return "must not be blank"
    if error.validator == "oneOf" and list(error.absolute_path) == ["data"]:
        return ("give exactly one of data.waves (one file per wave) or data.path (one long "
                "file; with its rename, encoding and value_labels beside it)")
    if error.validator == "oneOf" and error.context:
        return f"{error.message}: " + "; ".join(sorted({e.message for e in error.context}))
    return error.message


def _errors(config: Mapping[str, Any], schema: Mapping[str, Any]) -> Iterator[str]:
    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        yield f"{_key_path(error)}: {_describe(error)}"


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Merge a ``$ref`` to ``#/$defs/<name>`` with the keys beside it."""
    if "$ref" not in schema:
        return schema
    name = schema["$ref"].rsplit("/", 1)[-1]
    return {**root["$defs"][name], **{k: v for k, v in schema.items() if k != "$ref"}}


def _fill_defaults(instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    """Set the schema's defaults in place, recursing into objects and lists of objects."""
    schema = _resolve(schema, root)
    if isinstance(instance, dict):
        for key, sub in schema.get("properties", {}).items():
            sub = _resolve(sub, root)
            if key not in instance and "default" in sub:
                instance[key] = copy.deepcopy(sub["default"])
            if key in instance:
                _fill_defaults(instance[key], sub, root)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, value in instance.items():
                if key not in schema.get("properties", {}):
                    _fill_defaults(value, extra, root)
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            _fill_defaults(item, schema["items"], root)


def _check_semantics(config: Mapping[str, Any]) -> Iterator[str]:
    # Imported here: wellby.prepare.variables reads the typed config (wellby.config.typed),
    # so importing it with this module would be circular.
    from wellby.prepare.variables import unranged_outcomes

    columns = config["columns"]
    if config["design"] == "panel" and not columns.get("id"):
        yield "columns.id: a panel design needs the respondent id column (or set design: " \
            "repeated_cross_section)"
    waves = config["data"].get("waves", [])
    labels = [w["wave"] for w in waves]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        yield f"data.waves: wave {duplicated} is listed more than once"
    if "mixed_cohort" in config["models"]["estimators"] and not (
            columns.get("member") and columns.get("id")):
        yield ("models.estimators: mixed_cohort models a followed cohort: set columns.member "
               "(the cohort flag) and columns.id (the person)")
    for name, group in config.get("subgroups", {}).items():
        owner: dict[Any, str] = {}
        for level, codes in group["levels"].items():
            for code in codes:
                key = code_key(code)
                if key in owner and owner[key] != level:
                    yield (f"subgroups.{name}.levels: the code {code!r} is given to two "
                           f"levels ('{owner[key]}' and '{level}'); give it to one")
                owner.setdefault(key, level)
    models = config["models"]
    if "callaway_santanna" in models["estimators"] and models["vcov"] == "classical":
        yield ("models.vcov: classical has no meaning for callaway_santanna (its standard "
               "errors come from influence functions): use cluster (summed within "
               "models.cluster, default the area) or hc1 (at the unit, as R did without "
               "clustervars)")
    if models["bootstrap"].get("multiplier") and models["bootstrap"].get("weights") == "webb":
        yield ("models.bootstrap.weights: the Callaway-Sant'Anna multiplier bootstrap takes "
               "mammen or rademacher weights (or auto)")
    valued = config["cba"]["estimator"] if "cba" in config else None
    if valued == "auto" and not {"twfe", "callaway_santanna"} & set(models["estimators"]):
        yield (f"cba.estimator: auto values the effect of twfe or callaway_santanna, and "
               f"neither is in models.estimators {models['estimators']}")
    elif valued not in (None, "auto") and valued not in models["estimators"]:
        yield (f"cba.estimator: '{valued}' is not one of models.estimators "
               f"{models['estimators']}; the case values its effect")
    for outcome in unranged_outcomes(config):
        yield (f"outcomes: '{outcome}' has no known valid range, so out-of-range values could "
               f"not be caught: declare it as data.ranges.{outcome}: {{min: ..., max: ..., "
               "integer: true or false} (items of ONS4, SWEMWBS, WEMWBS and GHQ-12 under "
               "their canonical names know their range)")
    for column, bounds in config["data"].get("ranges", {}).items():
        if bounds["min"] >= bounds["max"]:
            yield f"data.ranges.{column}: min ({bounds['min']}) must be below max ({bounds['max']})"
    if "cba" in config and config["cba"]["outcome"] not in config["outcomes"]:
        yield (
            f"cba.outcome: '{config['cba']['outcome']}' is not one of the outcomes "
            f"{config['outcomes']}"
        )
    cross = config["models"]["subgroups"]["cross"]
    if not isinstance(cross, bool):
        for index, pair in enumerate(cross):
            unknown = [name for name in pair if name not in config.get("subgroups", {})]
            if unknown or pair[0] == pair[1]:
                yield (f"models.subgroups.cross[{index}]: {list(pair)} must name two "
                       f"different configured subgroups ({list(config.get('subgroups', {}))})")
    yield from _check_derived(config)
    yield from _check_comparison(config)
    if "cba" in config:
        yield from _check_cba(config["cba"])
        yield from _check_distribution(config)


def _check_derived(config: Mapping[str, Any]) -> Iterator[str]:
    """Resolve the derived outcomes now: an unknown preset or a clashing name stops the start."""
    from wellby.prepare.derived import resolve_derived
    from wellby.prepare.variables import ONS4_ITEMS, reserved_columns

    derived = config.get("derived") or {}
    try:
        resolve_derived(derived, reserved=reserved_columns(config))
    except ConfigError as err:
        yield str(err)
        return
    outcome = config["cba"]["outcome"] if "cba" in config else None
    if outcome in derived:
        yield (f"cba.outcome: '{outcome}' is a derived share (percentage points), which is "
               "not life satisfaction: value a life-satisfaction outcome "
               f"({', '.join(ONS4_ITEMS[:1])}) or a measure with a published conversion")


def _check_comparison(config: Mapping[str, Any]) -> Iterator[str]:
    comparison = config["comparison"]
    if comparison["method"] == "none":
        return
    if not comparison["attributes"] and not comparison["baseline_outcomes"]:
        yield (f"comparison.attributes: method '{comparison['method']}' needs something to "
               "balance: area attributes (from data.areas) or comparison.baseline_outcomes")
    unknown = [o for o in comparison["baseline_outcomes"] if o not in config["outcomes"]]
    if unknown:
        yield (f"comparison.baseline_outcomes: {unknown} are not among the outcomes "
               f"{config['outcomes']}")
    if comparison["method"] not in ("nearest", "mahalanobis") and (
            comparison.get("caliper") is not None or comparison["ratio"] != 1):
        yield (f"comparison.caliper: ratio and caliper apply to matching (nearest, "
               f"mahalanobis), not to '{comparison['method']}'")


def _check_distribution(config: Mapping[str, Any]) -> Iterator[str]:
    settings = config["cba"].get("distribution") or {}
    subgroups = config.get("subgroups", {})
    for index, pair in enumerate(settings.get("gaps", [])):
        key = f"cba.distribution.gaps[{index}]"
        group = subgroups.get(pair["subgroup"])
        if group is None:
            yield f"{key}.subgroup: '{pair['subgroup']}' is not a configured subgroup"
            continue
        for end in ("lower", "upper"):
            if pair[end] not in group["levels"]:
                yield (f"{key}.{end}: '{pair[end]}' is not a level of subgroup "
                       f"'{pair['subgroup']}' ({list(group['levels'])})")
        if pair["lower"] == pair["upper"]:
            yield f"{key}: lower and upper are the same level"
    quintiles = settings.get("quintiles")
    if quintiles is not None:
        if quintiles not in subgroups:
            yield f"cba.distribution.quintiles: '{quintiles}' is not a configured subgroup"
        elif not settings.get("incomes"):
            yield ("cba.distribution.incomes: the Green Book publishes no table of quintile "
                   "incomes, so distributional weights need the five quintiles' median "
                   "household incomes (lowest first), e.g. from ONS 'Effects of taxes and "
                   "benefits on household income'")
        elif len(subgroups[quintiles]["levels"]) != 5:
            yield (f"cba.distribution.quintiles: subgroup '{quintiles}' has "
                   f"{len(subgroups[quintiles]['levels'])} levels, not the five quintiles "
                   "(lowest income first)")


def _check_cba(cba: Mapping[str, Any]) -> Iterator[str]:
    """Run the appraisal's own checks now, not after every estimate has been made.

    What the schema cannot say (a price year outside the deflator series, nominal costs
    without the calendar year of appraisal year 0, a population without every benefit
    year, an outcome other than life satisfaction without a mapping) is checked where the
    appraisal is built (:func:`wellby.valuation.inputs.cba_inputs`); calling it here stops
    the run at the start instead of at the value step. The section has been validated
    and filled by then, so it is passed typed: :func:`cba_inputs` validates only a mapping.
    """
    from wellby.valuation.inputs import cba_inputs  # the appraisal's rules, in one place

    try:
        cba_inputs(Cba.coerce(cba))  # typed: validated already, so not validated again
    except ConfigError as err:
        yield str(err)


def validate_config(config: Mapping[str, Any], schema_path: str | Path = DEFAULT_SCHEMA) -> dict:
    """Validate a study config and return a copy with the schema's defaults filled in.

    Parameters
    ----------
    config : mapping
        The study configuration, as loaded from YAML.
    schema_path : str or Path
        The JSON schema (YAML) of the configuration.

    Returns
    -------
    dict
        The validated configuration with defaults set.

    Raises
    ------
    ConfigError
        Listing every problem, each with the path of the key to fix.
    """
    schema = load_yaml(schema_path)
    problems = list(_errors(config, schema))
    if problems:
        raise ConfigError(
            "the study config is invalid:\n  " + "\n  ".join(problems)
        )
    validated = copy.deepcopy(dict(config))
    _fill_defaults(validated, schema, schema)
    if "path" in validated["data"]:
        validated["data"].setdefault("rename", {})
        validated["data"].setdefault("encoding", "utf-8")
        validated["data"].setdefault("value_labels", False)
        validated["data"].setdefault("header_row", 1)
    problems = list(_check_semantics(validated))
    if problems:
        raise ConfigError("the study config is invalid:\n  " + "\n  ".join(problems))
    return validated


@functools.lru_cache(maxsize=4)
def _schema(schema_path: str) -> dict[str, Any]:
    """Read the schema once per process (callers must not change it)."""
    return load_yaml(schema_path)


def _node(schema: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """Return the schema of a dotted key (``cba.monte_carlo.draws``), ``$ref`` resolved."""
    node: Mapping[str, Any] = schema
    for part in key.split("."):
        properties = _resolve(node, schema).get("properties", {})
        if part not in properties:
            raise KeyError(f"the study config has no key '{key}'")
        node = properties[part]
    return _resolve(node, schema)


def validate_section(name: str, section: Any,
                     schema_path: str | Path = DEFAULT_SCHEMA) -> dict[str, Any]:
    """Validate one top-level section of a study config and fill its defaults.

    For a step called with one section written by hand (e.g.
    :func:`wellby.valuation.inputs.cba_inputs` given a ``cba`` mapping): the schema's
    checks of that section, with the key of each problem as :func:`validate_config` names
    it (``cba.costs: ...``). Rules across sections (``cba.outcome`` among ``outcomes``) and
    the steps' own rules need the whole study and are not checked here.

    Parameters
    ----------
    name : str
        The section's key (``cba``, ``models``, ...).
    section : mapping
        The section as the YAML would hold it (a typed section is read as its mapping).
    schema_path : str or Path
        The schema (default: the one packaged with wellby).

    Returns
    -------
    dict
        A copy of the section with the schema's defaults filled in.

    Raises
    ------
    ConfigError
        Listing every problem, each with the path of the key to fix.
    """
    schema = _schema(str(schema_path))
    if name not in schema["properties"]:
        raise KeyError(f"the study config has no section '{name}' (sections: "
                       f"{sorted(schema['properties'])})")
    one = {"$defs": schema.get("$defs", {}), "type": "object", "required": [name],
           "properties": {name: schema["properties"][name]}}
    value = section.as_dict() if isinstance(section, Section) else copy.deepcopy(section)
    if isinstance(value, Mapping) and not isinstance(value, dict):
        value = dict(value)
    config = {name: value}
    problems = list(_errors(config, one))
    if problems:
        raise ConfigError(f"the study config's {name} section is invalid:\n  "
                          + "\n  ".join(problems))
    _fill_defaults(config, one, one)
    return config[name]


def check_setting(key: str, value: Any, schema_path: str | Path = DEFAULT_SCHEMA) -> Any:
    """Check one value against the schema of a config key, for a setting given as an argument.

    Parameters
    ----------
    key : str
        The dotted config key (``cba.monte_carlo.draws``).
    value
        The value given in its place.
    schema_path : str or Path
        The schema (default: the one packaged with wellby).

    Returns
    -------
    The value, unchanged.

    Raises
    ------
    ConfigError
        ``<key>: <what is wrong>``, as :func:`validate_config` words it.
    """
    schema = _schema(str(schema_path))
    node = {"$defs": schema.get("$defs", {}), **_node(schema, key)}
    problems = []
    for error in jsonschema.Draft202012Validator(node).iter_errors(value):
        inner = _key_path(error)
        where = key if inner == "(top level)" else (
            f"{key}{inner}" if inner.startswith("[") else f"{key}.{inner}")
        problems.append(f"{where}: {_describe(error)}")
    if problems:
        raise ConfigError("; ".join(problems))
    return value


def load_config(path: str | Path, schema_path: str | Path = DEFAULT_SCHEMA) -> Study:
    """Load a study config file, validate it and return it typed.

    Parameters
    ----------
    path : str or Path
        The study's YAML file.
    schema_path : str or Path
        The schema (default: the one packaged with wellby).

    Returns
    -------
    Study
        Frozen sections with every default filled in (:mod:`wellby.config.typed`).

    Raises
    ------
    ConfigError
        Listing every problem, each with the path of the key to fix.
    """
    return Study.from_validated(validate_config(load_yaml(path), schema_path))
