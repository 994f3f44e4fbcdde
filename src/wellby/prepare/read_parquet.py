"""Read a Parquet file, keeping exact digits in integer id columns.

The row count recorded in the file's footer must match the rows read, and a named index
written by pandas is kept as a column.
"""

from __future__ import annotations

import pandas as pd

from wellby.prepare.read_request import ReadRequest


def read_parquet(req: ReadRequest) -> pd.DataFrame:
    """Read a Parquet file completely (the ``.parquet`` reader)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    source = pq.ParquetFile(req.path)
    table = source.read()
    if source.metadata.num_rows != table.num_rows:
        raise req.error(f"the file records {source.metadata.num_rows} rows but "
                        f"{table.num_rows} could be read: it may be damaged; re-export it")
    # Exact digits: to_pandas turns an integer column with gaps into floats.
    exact = {field.name.strip(): pc.cast(table.column(i), pa.string()).to_pandas()
             for i, field in enumerate(table.schema)
             if field.name.strip() in req.text_columns and pa.types.is_integer(field.type)}
    frame = table.to_pandas()
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        # A named index (df.set_index("id").to_parquet()) is data; an unnamed one is not.
        frame = frame.reset_index(drop=all(name is None for name in index.names))
    for i, name in enumerate(frame.columns):
        if str(name).strip() in exact:
            frame.isetitem(i, exact[str(name).strip()].astype("string").array)
    return frame
