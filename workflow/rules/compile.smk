# Every kernel compiled once, before any job that runs pimalign: the scatter jobs then start
# together without each compiling the same kernels (`pimalign compile`).


rule compile_kernels:
    output:
        f"{OUT}/logs/compile_kernels.done",
    log:
        f"{OUT}/logs/compile_kernels.log",
    threads: 2
    conda:
        ENV
    script:
        str(SCRIPTS / "compile_kernels.py")
