# Shared by all the .smk files: the checked config, samples, paths, target lists.
import copy
import re
import shlex

from snakemake.utils import validate

DEFAULT_CONFIG = WORKFLOW_DIR / "config" / "config.yaml"
WRAPPERS = f"file:{WORKFLOW_DIR / 'wrappers'}"
SCRIPTS = WORKFLOW_DIR / "scripts"
CAPTIONS = WORKFLOW_DIR / "report"
ENV = WORKFLOW_DIR / "envs" / "pimalign.yaml"


def _replace_from_command_line(config):
    """Samples given on the command line (--config/--configfile) replace the demo's instead of
    being merged into them (Snakemake merges mappings key by key); so do edit-distance pairs, and
    the demo's pairs are dropped when the command line gives samples but no pairs."""
    settings = getattr(workflow, "config_settings", None)
    cli = getattr(settings, "overwrite_config", None) or {}
    loaded_default = any(Path(f).resolve() == DEFAULT_CONFIG.resolve() for f in workflow.configfiles)
    if not loaded_default:  # used as a module, or with --replace-workflow-config
        return
    cli_editdist = cli.get("editdist") if isinstance(cli.get("editdist"), dict) else {}
    if "samples" in cli:
        config["samples"] = copy.deepcopy(cli["samples"])
        config.setdefault("editdist", {})["pairs"] = {}
    if "pairs" in cli_editdist:
        config.setdefault("editdist", {})["pairs"] = copy.deepcopy(cli_editdist["pairs"])


_replace_from_command_line(config)
validate(config, WORKFLOW_DIR / "schemas" / "config.schema.yaml")


def _as_list(value):
    return [value] if isinstance(value, str) else list(value)


OUT = str(Path(config["outdir"]))
THREADS = config["threads"]
SAMPLES = {name: _as_list(reads) for name, reads in config["samples"].items()}
PAIRS = {name: _as_list(files) for name, files in config["editdist"]["pairs"].items()}
PIM = config["pim"]


def _names(names):
    """A wildcard constraint matching exactly these names (nothing when there are none)."""
    return "|".join(re.escape(n) for n in sorted(names)) or "(?!)"


wildcard_constraints:
    sample=_names(SAMPLES),
    pairs=_names(PAIRS),
    scatteritem=r"\d+-of-\d+",
    mate="1|2",


def paired(sample):
    return len(SAMPLES[sample]) == 2


def mate_reads(wildcards):
    reads = SAMPLES[wildcards.sample]
    index = int(wildcards.mate) - 1
    if index >= len(reads):
        raise ValueError(f"sample {wildcards.sample} is single-end: it has no mate 2")
    return reads[index]


def chunk_reads(wildcards):
    mates = range(1, len(SAMPLES[wildcards.sample]) + 1)
    return [
        f"{OUT}/chunks/{wildcards.sample}/{wildcards.scatteritem}.R{m}.fq.gz" for m in mates
    ]


def insert_file(wildcards):
    return [f"{OUT}/insert/{wildcards.sample}.txt"] if paired(wildcards.sample) else []


def align_extra(wildcards):
    extra = []
    if config["read_group"]:
        extra += ["-R", f"@RG\\tID:{wildcards.sample}\\tSM:{wildcards.sample}"]
    return " ".join([shlex.join(extra), config["align_extra"]]).strip()


def device_file(wildcards):
    return [PIM["device"]] if PIM["device"] else []


def pairs_pim_extra(wildcards):
    """The PIM estimate of a pair set runs in the edit-distance step's mode."""
    mode = re.search(r"--mode[ =](NW|HW|SHW)\b", config["editdist"]["extra"])
    return " ".join(([f"--mode {mode.group(1)}"] if mode else []) + [PIM["extra"]]).strip()


def pair_inputs(wildcards):
    files = PAIRS[wildcards.pairs]
    return {"pairs": files[0]} if len(files) == 1 else {"query": files[0], "target": files[1]}


def sample_outputs(sample):
    files = [
        f"{OUT}/bam/{sample}.bam",
        f"{OUT}/bam/{sample}.bam.bai",
        f"{OUT}/stats/{sample}.flagstat.txt",
        f"{OUT}/stats/{sample}.idxstats.tsv",
        f"{OUT}/stats/{sample}.summary.json",
        f"{OUT}/plots/{sample}.mapq.png",
        f"{OUT}/plots/{sample}.coverage.png",
        f"{OUT}/plots/{sample}.insert.png",
        f"{OUT}/plots/{sample}.workload.png",
    ]
    if PIM["estimate"]:
        files.append(f"{OUT}/pim/{sample}.json")
    return files


def pairs_outputs(name):
    files = [f"{OUT}/editdist/{name}.tsv", f"{OUT}/plots/{name}.editdist.png"]
    if PIM["estimate"] and len(PAIRS[name]) == 1:
        files.append(f"{OUT}/pim/editdist_{name}.json")
    return files


def all_outputs():
    files = [f for sample in SAMPLES for f in sample_outputs(sample)]
    return files + [f for name in PAIRS for f in pairs_outputs(name)]
