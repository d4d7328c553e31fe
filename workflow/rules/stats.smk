rule bam_stats:
    input:
        bam=rules.merge_chunks.output.bam,
        bai=rules.merge_chunks.output.bai,
    output:
        flagstat=report(
            f"{OUT}/stats/{{sample}}.flagstat.txt",
            caption=CAPTIONS / "flagstat.rst",
            category="Alignment",
            subcategory="{sample}",
        ),
        idxstats=f"{OUT}/stats/{{sample}}.idxstats.tsv",
        summary=f"{OUT}/stats/{{sample}}.summary.json",
        mapq=report(
            f"{OUT}/plots/{{sample}}.mapq.png",
            caption=CAPTIONS / "mapq.rst",
            category="Alignment",
            subcategory="{sample}",
        ),
        inserts=report(
            f"{OUT}/plots/{{sample}}.insert.png",
            caption=CAPTIONS / "insert.rst",
            category="Alignment",
            subcategory="{sample}",
        ),
        coverage=report(
            f"{OUT}/plots/{{sample}}.coverage.png",
            caption=CAPTIONS / "coverage.rst",
            category="Alignment",
            subcategory="{sample}",
        ),
    log:
        f"{OUT}/logs/bam_stats/{{sample}}.log",
    conda:
        ENV
    script:
        str(SCRIPTS / "bam_stats.py")


rule plot_workload:
    input:
        rules.merge_chunks.output.workload,
    output:
        report(
            f"{OUT}/plots/{{sample}}.workload.png",
            caption=CAPTIONS / "workload.rst",
            category="Workload",
            subcategory="{sample}",
        ),
    log:
        f"{OUT}/logs/plot_workload/{{sample}}.log",
    conda:
        ENV
    script:
        str(SCRIPTS / "plot_workload.py")
