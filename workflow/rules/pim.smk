# PIM estimate (`pimalign pim estimate`) of the alignment workload and of edit-distance pair sets.


rule pim_estimate:
    input:
        workload=rules.merge_chunks.output.workload,
        device=device_file,
    output:
        json=f"{OUT}/pim/{{sample}}.json",
        report=report(
            directory(f"{OUT}/pim/{{sample}}"),
            patterns=["{name}.png"],
            caption=CAPTIONS / "pim.rst",
            category="PIM estimate",
            subcategory="{sample}",
        ),
    log:
        f"{OUT}/logs/pim_estimate/{{sample}}.log",
    params:
        source="workload",
        extra=PIM["extra"],
    threads: THREADS
    conda:
        ENV
    script:
        str(SCRIPTS / "pim_estimate.py")


rule pim_estimate_pairs:
    input:
        pairs=lambda wildcards: PAIRS[wildcards.pairs][0],
        device=device_file,
        kernels=rules.compile_kernels.output[0],
    output:
        json=f"{OUT}/pim/editdist_{{pairs}}.json",
        report=report(
            directory(f"{OUT}/pim/editdist_{{pairs}}"),
            patterns=["{name}.png"],
            caption=CAPTIONS / "pim.rst",
            category="PIM estimate",
            subcategory="{pairs}",
        ),
    log:
        f"{OUT}/logs/pim_estimate/editdist_{{pairs}}.log",
    params:
        source="pairs",
        extra=pairs_pim_extra,
    threads: THREADS
    conda:
        ENV
    script:
        str(SCRIPTS / "pim_estimate.py")
