# Optional: edit distances of the pair sets in config["editdist"]["pairs"].


rule editdist:
    input:
        unpack(pair_inputs),
        kernels=rules.compile_kernels.output[0],
    output:
        f"{OUT}/editdist/{{pairs}}.tsv",
    log:
        f"{OUT}/logs/editdist/{{pairs}}.log",
    params:
        extra=f"{config['editdist']['extra']} --workload",
    threads: THREADS
    wrapper:
        f"{WRAPPERS}/editdist"


rule plot_editdist:
    input:
        rules.editdist.output[0],
    output:
        report(
            f"{OUT}/plots/{{pairs}}.editdist.png",
            caption=CAPTIONS / "editdist.rst",
            category="Edit distance",
            subcategory="{pairs}",
        ),
    log:
        f"{OUT}/logs/plot_editdist/{{pairs}}.log",
    conda:
        ENV
    script:
        str(SCRIPTS / "plot_editdist.py")
