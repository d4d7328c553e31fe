"""Snakemake wrapper: map short reads with ``pimalign align``.

It keeps the contract of snakemake-wrappers' ``bio/bwa/mem``, so a bwa rule becomes a pimalign rule
by changing its ``wrapper:`` line and its ``idx`` input only.

input
    reads     one FASTQ/FASTA path, or a list of one or two (paired-end)
    idx       the pimalign index (``pimalign index``, ``.pmi``); a FASTA works too (indexed in
              memory). A list is accepted: its one ``.pmi`` file is used, else its single file.
    insert_size  optional: a file holding ``MEAN,SD`` (or ``none``), passed as ``-I`` so that
              every chunk of a scattered sample uses one insert-size model
output
    [0]       ``.sam``, ``.bam`` or ``.cram``: the extension picks the format
    idx       optional: the index of a coordinate-sorted output (``.bai`` or ``.csi`` for BAM,
              ``.crai`` for CRAM)
    workload  optional: the per-extension workload table (``--workload``), the PIM model's input
params
    extra       options for ``pimalign align``, wildcards allowed: bio/bwa/mem's ``extra`` strings
                work unchanged (every bwa mem option is accepted with bwa's meaning, e.g.
                ``-M -Y -K 100000000 -R '@RG\\tID:{sample}\\tSM:{sample}'``, ``-p`` with one
                interleaved ``reads`` file), or fail in one line naming the option
    sorting     ``none`` (default: the mapper's order), ``samtools`` (samtools sort through pysam,
                no binary needed) or ``pimalign`` (the mapper's own sort)
    sort_order  ``coordinate`` (default) or ``queryname``
    sort_extra  options for samtools sort (``sorting="samtools"``); ``-T`` is set by the wrapper
    tmp_dir     optional: folder for temporary files (default: ``resources.tmpdir``)
threads
    ``-t`` for pimalign and ``-@`` for the sort
log
    the rule's log receives the stderr of every step; temporary files (the wrapper's, and
    pimalign's SAM and sort files) go to ``resources.tmpdir``
"""

import os
import re
import shlex
import shutil
import sys
import tempfile

SORTINGS = ("none", "samtools", "pimalign")
SORT_ORDERS = ("coordinate", "queryname")
FORMATS = {".sam": "SAM", ".bam": "BAM", ".cram": "CRAM"}
INDEX_EXTENSIONS = {"BAM": (".bai", ".csi"), "CRAM": (".crai",), "SAM": ()}
AUTO_INDEX = {"BAM": ".bai", "CRAM": ".crai"}  # written by ``pimalign align`` beside its output


def as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(value)] if isinstance(value, (str, os.PathLike)) else [str(v) for v in value]


def make_plan(snakemake) -> dict:
    """Check the rule's inputs, outputs and params; a clear ``ValueError`` for each bad value."""
    params = snakemake.params
    sorting = params.get("sorting", "none")
    sort_order = params.get("sort_order", "coordinate")
    sort_extra = params.get("sort_extra", "") or ""
    extra = params.get("extra", "") or ""

    reads = as_list(snakemake.input.get("reads"))
    if len(reads) not in (1, 2):
        raise ValueError(
            f"input reads must be one file, or a list of one or two (paired-end); got {len(reads)}"
        )
    idx = as_list(snakemake.input.get("idx"))
    indexes = [p for p in idx if p.endswith(".pmi")]
    if len(indexes) == 1:
        ref = indexes[0]
    elif not indexes and len(idx) == 1:
        ref = idx[0]
    else:
        raise ValueError(
            "input idx must be the pimalign index (.pmi, from `pimalign index`) or a "
            f"FASTA reference; got {idx or 'nothing'}"
        )
    insert = snakemake.input.get("insert_size")

    if sorting not in SORTINGS:
        hint = (
            " (picard and fgbio are not offered: use 'samtools' or 'pimalign')"
            if sorting in ("picard", "fgbio")
            else ""
        )
        raise ValueError(
            f"Unexpected value for params.sorting ({sorting!r}): use one of "
            f"{', '.join(map(repr, SORTINGS))}{hint}"
        )
    if sort_order not in SORT_ORDERS:
        raise ValueError(
            f"Unexpected value for params.sort_order ({sort_order!r}): use one of "
            f"{', '.join(map(repr, SORT_ORDERS))}"
        )
    if re.search(r"(^|\s)(-T|--TMP_DIR)\b", sort_extra):
        raise ValueError(
            "params.sort_extra must not set the temporary folder (-T): it comes from "
            "resources.tmpdir (or params.tmp_dir)"
        )

    output = str(snakemake.output[0])
    fmt = FORMATS.get(os.path.splitext(output)[1].lower())
    if fmt is None:
        raise ValueError(f"output {output!r}: unknown extension; use .sam, .bam or .cram")
    index = snakemake.output.get("idx")
    if index is not None:
        index = str(index)
        allowed = INDEX_EXTENSIONS[fmt]
        if sorting == "none" or sort_order != "coordinate":
            raise ValueError(
                f"output idx ({index}) needs a coordinate-sorted output: set "
                "params.sorting to 'samtools' or 'pimalign' and params.sort_order "
                "to 'coordinate'"
            )
        if not index.endswith(allowed):
            raise ValueError(
                f"output idx ({index}): a {fmt} index must end with "
                f"{' or '.join(allowed) if allowed else '(none: SAM is not indexed)'}"
            )
    workload = snakemake.output.get("workload")
    return {
        "reads": reads,
        "ref": ref,
        "insert": insert,
        "output": output,
        "format": fmt,
        "index": index,
        "workload": None if workload is None else str(workload),
        "sorting": sorting,
        "sort_order": sort_order,
        "sort_extra": sort_extra,
        "extra": extra,
        "threads": max(1, int(snakemake.threads)),
        "tmp_dir": params.get("tmp_dir") or snakemake.resources.get("tmpdir"),
    }


def read_insert(path) -> str | None:
    """``MEAN,SD`` from the insert-size file, or None when it is empty or says ``none``."""
    paths = as_list(path)
    if len(paths) > 1:
        raise ValueError(f"input insert_size must be one file, got {len(paths)}")
    if not paths:
        return None
    with open(paths[0]) as handle:
        text = handle.read().strip()
    return None if text.lower() in ("", "none") else text


def note(log: str | None, message: str) -> None:
    """One line for the rule's log (stderr when the rule has none)."""
    if log:
        with open(log, "a") as handle:
            handle.write(f"[pimalign wrapper] {message}\n")
    else:
        print(f"[pimalign wrapper] {message}", file=sys.stderr)


def samtools(log: str | None, command: str, *args: str) -> None:
    """Run a samtools command inside pysam (no samtools binary needed); its errors reach the log."""
    import pysam

    note(log, f"samtools {command} {shlex.join(args)}")
    try:
        getattr(pysam, command)(*args, catch_stdout=False)
    except pysam.SamtoolsError as err:
        note(log, f"samtools {command} failed: {err}")
        raise


def write_index(log, output: str, index: str, threads: int) -> None:
    csi = ["-c"] if index.endswith(".csi") else []
    samtools(log, "index", "-@", str(threads), *csi, "-o", index, output)


def run(snakemake, shell) -> None:
    plan = make_plan(snakemake)
    log_file = str(snakemake.log[0]) if len(snakemake.log) else None
    log = snakemake.log_fmt_shell(stdout=False, stderr=True)
    pimalign = f"{shlex.quote(sys.executable)} -m pimalign"
    options = ["-t", str(plan["threads"]), "--no-progress"]
    insert = read_insert(plan["insert"])
    if insert:
        options += ["-I", insert]
    if plan["workload"]:
        options += ["--workload", plan["workload"]]
    extra = plan["extra"]
    ref = shlex.quote(plan["ref"])
    reads = shlex.join(plan["reads"])
    output, fmt, index = plan["output"], plan["format"], plan["index"]
    if plan["tmp_dir"]:
        os.makedirs(plan["tmp_dir"], exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pimalign-align.", dir=plan["tmp_dir"]) as tmp:
        if plan["sorting"] == "samtools":
            unsorted = os.path.join(tmp, "unsorted.bam")
            opts = shlex.join(options + ["--sort", "none", "-o", unsorted])
            shell("{pimalign} align {opts} {extra} {ref} {reads} {log}")
            sort_args = ["-@", str(plan["threads"])]
            if plan["sort_order"] == "queryname":
                sort_args.append("-n")
            sort_args += shlex.split(plan["sort_extra"])
            sort_args += ["-T", os.path.join(tmp, "sort"), "-O", fmt]
            if fmt == "CRAM":  # 3.0: htsjdk (Picard, GATK) reads no 3.1
                sort_args += ["--reference", reference_fasta(plan["ref"], tmp)]
                sort_args += ["--output-fmt-option", "version=3.0"]
                sort_args += [
                    "--output-fmt-option",
                    "store_nm=1",
                    "--output-fmt-option",
                    "store_md=1",
                ]
            samtools(log_file, "sort", *sort_args, "-o", output, unsorted)
            if fmt == "CRAM":
                drop_ur(output, tmp)
            if index:
                write_index(log_file, output, index, plan["threads"])
            return
        order = plan["sort_order"] if plan["sorting"] == "pimalign" else "none"
        if plan["sorting"] == "none" and plan["sort_extra"]:
            note(log_file, "params.sort_extra is ignored: it applies to sorting='samtools'")
        # pimalign writes (and sorts) in the temporary folder, then the result moves into place
        staged = os.path.join(tmp, "aligned" + os.path.splitext(output)[1])
        opts = shlex.join(options + ["--sort", order, "-o", staged])
        shell("{pimalign} align {opts} {extra} {ref} {reads} {log}")
        auto = staged + AUTO_INDEX[fmt] if fmt in AUTO_INDEX and order == "coordinate" else None
        shutil.move(staged, output)
        if index and auto and index.endswith(AUTO_INDEX[fmt]) and os.path.exists(auto):
            shutil.move(auto, index)
        elif index:
            write_index(log_file, output, index, plan["threads"])


def drop_ur(cram: str, tmp: str) -> None:
    """No ``@SQ UR`` naming the temporary FASTA (``M5`` and the embedded reference remain)."""
    import pysam

    header = pysam.view("-H", cram)
    path = os.path.join(tmp, "header.sam")
    with open(path, "w") as out:
        out.write(re.sub(r"\tUR:[^\t\n]*", "", header))
    pysam.reheader("-i", path, cram, catch_stdout=False)


def reference_fasta(ref: str, tmp: str) -> str:
    """A plain FASTA of the index's reference (CRAM encoding needs one)."""
    from pimalign.mapper.run import open_index, write_fasta

    path = os.path.join(tmp, "reference.fa")
    write_fasta(open_index(ref), path)
    return path


if "snakemake" in globals():
    from snakemake.shell import shell as _shell

    run(snakemake, _shell)  # noqa: F821 (injected by Snakemake)
