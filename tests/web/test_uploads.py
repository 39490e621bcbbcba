"""Uploaded files: names made safe to keep on disk, sizes held to the limit."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

from fastapi import UploadFile

from armsbridge.web.uploads import MAX_NAME_CHARS, read_within, safe_filename


def test_a_name_keeps_its_base_and_loses_what_could_reach_another_folder() -> None:
    assert safe_filename("../../etc/passwd", "upload.csv") == "passwd"
    assert safe_filename("..", "upload.csv") == "upload.csv"
    assert safe_filename(".", "upload.csv") == "upload.csv"
    assert safe_filename(None, "upload.csv") == "upload.csv"
    assert safe_filename(".bashrc", "upload.csv") == "bashrc"
    assert safe_filename("расти 1;2.csv", "upload.csv") == "расти_1_2.csv"
    assert len(safe_filename("a" * 500 + ".csv", "upload.csv")) == MAX_NAME_CHARS


def test_an_empty_or_oversized_file_reads_as_none_and_one_at_the_limit_is_kept() -> None:
    def read(data: bytes, limit: int) -> bytes | None:
        # In a thread of its own: a browser test on this worker may leave its loop running.
        upload = UploadFile(io.BytesIO(data), filename="f.csv")
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, read_within(upload, limit)).result()

    assert read(b"", 10) is None
    assert read(b"x" * 11, 10) is None
    assert read(b"x" * 10, 10) == b"x" * 10
