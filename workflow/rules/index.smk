rule build_index:
    input:
        config["reference"],
    output:
        f"{OUT}/index/reference.pmi",
    log:
        f"{OUT}/logs/build_index.log",
    wrapper:
        f"{WRAPPERS}/index"
