# Scatter: each sample's reads are cut into config["chunks"] consecutive chunks; every chunk is
# aligned with the whole sample's insert-size model; gather: the sorted chunks are merged.


rule split_reads:
    input:
        mate_reads,
    output:
        # scatter.chunks() fills {scatteritem}; {{sample}} and {{mate}} stay wildcards
        temp(scatter.chunks(f"{OUT}/chunks/{{{{sample}}}}/{{scatteritem}}.R{{{{mate}}}}.fq.gz")),
    log:
        f"{OUT}/logs/split_reads/{{sample}}.R{{mate}}.log",
    conda:
        ENV
    script:
        str(SCRIPTS / "split_reads.py")


rule insert_size:
    input:
        reads=lambda wildcards: SAMPLES[wildcards.sample],
        idx=rules.build_index.output[0],
    output:
        f"{OUT}/insert/{{sample}}.txt",
    log:
        f"{OUT}/logs/insert_size/{{sample}}.log",
    params:
        extra=align_extra,
    conda:
        ENV
    script:
        str(SCRIPTS / "insert_size.py")


rule align_chunk:
    input:
        reads=chunk_reads,
        idx=rules.build_index.output[0],
        insert_size=insert_file,
    output:
        bam=temp(f"{OUT}/chunks/{{sample}}/{{scatteritem}}.bam"),
        workload=temp(f"{OUT}/chunks/{{sample}}/{{scatteritem}}.workload.tsv.gz"),
    log:
        f"{OUT}/logs/align/{{sample}}/{{scatteritem}}.log",
    params:
        extra=align_extra,
        sorting="pimalign",
        sort_order="coordinate",
    threads: THREADS
    wrapper:
        f"{WRAPPERS}/align"


rule merge_chunks:
    input:
        bams=gather.chunks(f"{OUT}/chunks/{{{{sample}}}}/{{scatteritem}}.bam"),
        workloads=gather.chunks(f"{OUT}/chunks/{{{{sample}}}}/{{scatteritem}}.workload.tsv.gz"),
    output:
        bam=f"{OUT}/bam/{{sample}}.bam",
        bai=f"{OUT}/bam/{{sample}}.bam.bai",
        workload=f"{OUT}/workload/{{sample}}.tsv.gz",
    log:
        f"{OUT}/logs/merge_chunks/{{sample}}.log",
    threads: THREADS
    conda:
        ENV
    script:
        str(SCRIPTS / "merge_chunks.py")
