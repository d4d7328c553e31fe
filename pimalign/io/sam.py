"""SAM/BAM/CRAM output: SAM text is streamed to a temporary file beside the output, then
converted, sorted and indexed by pysam (samtools inside), and renamed only on success.

Formats come from the output's extension (``.sam``, ``.bam``, ``.cram``); ``-`` is SAM on stdout.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys

import pysam

from .atomic import commit, forget_temp, make_temp, remove_temp, temp_folder
from .errors import InputError

FORMATS = {".sam": "SAM", ".bam": "BAM", ".cram": "CRAM"}
SORTS = ("coordinate", "queryname", "none")
SORT_MEMORY = "32M"  # samtools sort buffer per thread: keeps peak memory flat; it spills to disk
BAI_MAX = 1 << 29  # the longest contig a .bai indexes; beyond it, a .csi
MAX_SORT_THREADS = 16  # more gain nothing on one output file and cost 32M each
CRAM_VERSIONS = ("3.0", "3.1")  # 3.0 by default: htsjdk (Picard, GATK) reads no 3.1


def sort_threads(threads: int) -> int:
    """samtools threads for ``-t threads``: at most the machine's cores and MAX_SORT_THREADS."""
    return max(1, min(threads, os.cpu_count() or 1, MAX_SORT_THREADS))


def _samtools_problem(err) -> str:
    """The useful part of a samtools failure (a full disk is named as such)."""
    text = str(err)
    if "No space left" in text:
        return "no space left on device"
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "samtools failed"


def output_format(path: str) -> str:
    if path == "-":
        return "SAM"
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ValueError(
            f"output {path!r}: unknown extension {ext or '(none)'!r}; use .bam, "
            ".sam or .cram (or - for SAM on stdout)"
        )
    return FORMATS[ext]


def parse_read_group(text: str | None) -> tuple[str | None, str | None]:
    """``@RG\\tID:x\\tSM:y`` (literal ``\\t`` accepted, as bwa) -> (header line, ID)."""
    if not text:
        return None, None
    line = text.replace("\\t", "\t")
    if not line.startswith("@RG\t"):
        raise ValueError(f"read group must start with '@RG\\t', got {text!r}")
    bad = [c for c in line if c in "\n\r\0" or (ord(c) < 32 and c != "\t") or ord(c) > 126]
    if bad:
        raise ValueError(
            f"read group holds {bad[0]!r}: a SAM header line is printable ASCII "
            f"fields separated by tabs, got {text!r}"
        )
    fields = line.split("\t")[1:]
    for f in fields:
        if len(f) < 4 or f[2] != ":" or not f[:2].isalnum():
            raise ValueError(f"read group field {f!r} is not TAG:VALUE (SAM), in {text!r}")
    tags = dict(f.split(":", 1) for f in fields)
    if not tags.get("ID"):
        raise ValueError(f"read group has no ID field: {text!r}")
    if len(tags) != len(fields):
        raise ValueError(f"read group repeats a tag: {text!r}")
    return line, tags["ID"]


def header_text(names, lengths, sort: str, rg_line: str | None, command: str, version: str) -> str:
    so = {"coordinate": "unsorted", "queryname": "unsorted", "none": "unsorted"}[sort]
    lines = [f"@HD\tVN:1.6\tSO:{so}"]
    lines += [f"@SQ\tSN:{n}\tLN:{int(l)}" for n, l in zip(names, lengths)]
    if rg_line:
        lines.append(rg_line)
    cl = command.replace("\t", " ").replace("\n", " ")
    lines.append(f"@PG\tID:pimalign\tPN:pimalign\tVN:{version}\tCL:{cl}")
    return "\n".join(lines) + "\n"


def set_cram_file_id(path: str, name: str) -> None:
    """Write ``name`` (its bytes, cut or zero-padded to 20) as the file id of the CRAM that
    htslib wrote at ``path``, in place.

    htslib fills the file definition's 20-byte file id (after ``CRAM`` and the major and minor
    version bytes) with the path it wrote, here a temporary one: identical runs would differ
    there. No CRC or index covers these bytes, and their length never changes.
    """
    with open(path, "r+b") as handle:
        handle.seek(6)
        handle.write(os.fsencode(name)[:20].ljust(20, b"\0"))


@contextlib.contextmanager
def _ref_path(prefix: str | None):
    """htslib's ``REF_PATH`` set to the files ``PREFIX.M5`` (``SamSink.finish``) and no
    ``REF_CACHE`` (the user's is never read nor filled), restored after."""
    if prefix is None:
        yield
        return
    saved = {name: os.environ.get(name) for name in ("REF_PATH", "REF_CACHE")}
    os.environ["REF_PATH"] = prefix.replace(":", "::") + ".%s"  # "::": a literal ':'
    os.environ.pop("REF_CACHE", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class SamSink:
    """Collects SAM text, then produces the final file (see module doc).

    Use as a context manager; ``write(lines)`` appends; ``finish(...)`` converts and renames.
    Leaving the block with an exception removes every temporary file and leaves no output.
    """

    def __init__(self, output: str, header: str):
        self.output = output
        self.temps: list[str] = []
        lengths = [int(x) for x in re.findall(r"^@SQ\t.*?\bLN:(\d+)", header, re.M)]
        # a .bai bins positions below 2^29; a longer contig needs a CSI index (samtools -c)
        self.csi = max(lengths, default=0) > BAI_MAX
        if output == "-":
            self.handle = sys.stdout
        else:
            self.sam_path = make_temp(output, ".sam")
            self.temps.append(self.sam_path)
            self.handle = open(self.sam_path, "w")
        self.handle.write(header)

    def __enter__(self):
        return self

    def write(self, lines) -> None:
        self.handle.write("".join(lines))

    def _temp(self, suffix: str) -> str:
        path = make_temp(self.output, suffix)
        self.temps.append(path)
        return path

    def finish(
        self,
        sort: str,
        threads: int,
        reference: str | None = None,
        write_index: bool = True,
        level: int = 1,
        cram_version: str = "3.0",
    ) -> list[str]:
        """Convert/sort/index; returns the paths written (output first).

        ``level`` is the BGZF compression level: 1 (default) writes about 8% more bytes than
        samtools' default 6 in a third of the time. samtools adds no ``@PG`` line (it would
        name temporary files: identical runs give identical bytes). A samtools failure, a full
        disk included, is one ``InputError`` naming the output; the temporary files go.

        A CRAM needs ``reference``: a ``reference_prefix()``, where each contig's sequence
        is the file ``PREFIX.M5`` (its ``@SQ M5``, which the header must hold); htslib finds
        them by ``REF_PATH``. Given so, and not as a FASTA, htslib writes no ``@SQ UR:``
        naming a temporary file, so the header is written once, padding included, the same
        on every run; the file id is the output's name (``set_cram_file_id``).
        """
        if self.output == "-":
            self.handle.flush()
            return []
        self.handle.close()
        # htslib's own messages would be a second line on stderr: the failure is reported once
        verbosity = pysam.set_verbosity(0)
        try:
            final, index_tmp = self._convert(
                sort, threads, reference, write_index, level, cram_version
            )
        except pysam.utils.SamtoolsError as err:
            raise InputError(self.output, f"writing failed: {_samtools_problem(err)}") from None
        finally:
            pysam.set_verbosity(verbosity)
        bam = self.output.lower().endswith(".bam")
        index_suffix = (".csi" if self.csi else ".bai") if bam else ".crai"
        commit(final, self.output)  # removes the old index first
        written = [self.output]
        if index_tmp:
            commit(index_tmp, self.output + index_suffix)
            written.append(self.output + index_suffix)
        return written

    def reference_prefix(self) -> str:
        """A temporary path ``PREFIX`` beside the output; ``PREFIX.*`` files go with it."""
        prefix = self._temp(".ref")
        if "%" in prefix:  # REF_PATH reads %s as the M5: a private folder under $TMPDIR
            folder = temp_folder("pimalign-ref-")
            self.temps.append(folder)
            prefix = os.path.join(folder, "ref")
        return prefix

    def _convert(self, sort, threads, reference, write_index, level, cram_version):
        fmt = output_format(self.output)
        extra = ["--no-PG"]
        if fmt == "CRAM":
            if not reference:
                raise ValueError("CRAM output needs the reference")
            # the reference travels inside the CRAM: it reads back without -T
            if cram_version not in CRAM_VERSIONS:
                raise ValueError(f"CRAM version {cram_version!r}: use one of {CRAM_VERSIONS}")
            extra += ["--output-fmt-option", "embed_ref=1"]
            extra += ["--output-fmt-option", f"version={cram_version}"]
            # NM and MD kept as written (htsjdk readers do not regenerate them)
            extra += ["--output-fmt-option", "store_nm=1", "--output-fmt-option", "store_md=1"]
        final = self._temp(os.path.splitext(self.output)[1])
        t = ["-@", str(sort_threads(threads))]
        with _ref_path(reference if fmt == "CRAM" else None):
            self._write(fmt, sort, t, level, extra, final)
        if fmt == "CRAM":
            set_cram_file_id(final, os.path.basename(self.output))
        index_tmp = None
        if write_index and sort == "coordinate" and fmt in ("BAM", "CRAM"):
            csi = fmt == "BAM" and self.csi
            index_tmp = self._temp((".csi" if csi else ".bai") if fmt == "BAM" else ".crai")
            pysam.index(*(["-c"] if csi else []), final, "-o", index_tmp, catch_stdout=False)
        return final, index_tmp

    def _write(self, fmt, sort, t, level, extra, final) -> None:
        """The SAM text as ``final``, sorted unless ``sort`` is none."""
        if sort == "none":
            if fmt == "SAM":
                os.replace(self.sam_path, final)
                forget_temp(self.sam_path)
            else:
                pysam.view(
                    *t,
                    "-O",
                    fmt,
                    "--output-fmt-option",
                    f"level={level}",
                    *extra,
                    "-o",
                    final,
                    self.sam_path,
                    catch_stdout=False,
                )
        else:
            prefix = self._temp(".sortprefix")
            args = ["-n"] if sort == "queryname" else []
            pysam.sort(
                *t,
                *args,
                "-l",
                str(level),
                "-m",
                SORT_MEMORY,
                "-O",
                fmt,
                *extra,
                "-T",
                prefix,
                "-o",
                final,
                self.sam_path,
                catch_stdout=False,
            )

    def __exit__(self, *exc):
        if self.output != "-" and not self.handle.closed:
            self.handle.close()
        for path in self.temps:
            remove_temp(path)
        return False
