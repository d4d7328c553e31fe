rule build_index:
    input:
        fasta=config["reference"],
        kernels=rules.compile_kernels.output[0],
    output:
        f"{OUT}/index/reference.pmi",
    log:
        f"{OUT}/logs/build_index.log",
    wrapper:
        f"{WRAPPERS}/index"
