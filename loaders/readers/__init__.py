"""Reading import files into canonical layer frames (see `geodata.base.layers`), with every problem reported.

    result = read_layer("grids.zip", "grids", crs=None, mapping=None)
    print(problems_table(result.problems, result.total_problems))
    if result.ok: geodata.exchange.bulk.upsert_layer(ctx, "grids", result.frame, source=result.file)

`iter_layer_chunks` is the streaming form (bounded memory for very large files); `read_layer` collects its
chunks into one frame.
"""
from geodata.base.problems import Problem

from .formats import UnreadableFile, upload_path
from .problems import ProblemLog, problems_table
from .reader import CHUNK_ROWS, ReadReport, ReadResult, iter_layer_chunks, read_layer, resolve_layer

__all__ = [
    "CHUNK_ROWS",
    "Problem",
    "ProblemLog",
    "ReadReport",
    "ReadResult",
    "UnreadableFile",
    "iter_layer_chunks",
    "problems_table",
    "read_layer",
    "resolve_layer",
    "upload_path",
]
