"""A step that succeeds ends its process at once, with its log, output and record complete."""

import os
import subprocess
import sys
import textwrap


def run_script(tmp_path, end: bool) -> subprocess.CompletedProcess:
    log = tmp_path / "results" / "logs" / "describe.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    script = textwrap.dedent(f"""
        import atexit, logging, sys
        from types import SimpleNamespace
        from wellby.runner import run_step

        atexit.register(lambda: print("atexit ran"))

        def step(smk):
            sys.stdout.write("no newline yet")  # buffered: must still reach the caller
            logging.getLogger("wellby").info("the step's last line")
            with open({str(tmp_path / "table.csv")!r}, "w") as table:
                table.write("a,b")

        run_step(SimpleNamespace(log=[{str(log)!r}], rule="describe", wildcards={{}}),
                 step, end={end!r})
        print(" after run_step")
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONUNBUFFERED": ""})  # buffered
    assert done.returncode == 0, done.stderr
    log_text = log.read_text()
    assert "the step's last line" in log_text and "rule describe finished" in log_text
    assert (tmp_path / "table.csv").read_text() == "a,b"
    assert (tmp_path / "results" / "benchmarks" / "describe.tsv").is_file()
    return done


def test_a_step_that_succeeds_ends_the_process_after_flushing_everything(tmp_path):
    done = run_script(tmp_path, end=True)
    assert done.stdout == "no newline yet"  # flushed; nothing after run_step ran
    assert "atexit ran" not in done.stdout


def test_a_step_asked_not_to_end_returns(tmp_path):
    done = run_script(tmp_path, end=False)
    assert done.stdout.splitlines() == ["no newline yet after run_step", "atexit ran"]
