#!/usr/bin/env bash
# Submits the Form3Actors heterogeneous job (slurm/form3.sbatch): one coordinator task plus NODES node tasks.
#
#   slurm/submit.sh INPUT RUN_DIR [options] [-- extra options for `form3-coordinator run`]
#
# Options (defaults in brackets):
#   --nodes N              node tasks, one per machine [2]
#   --cpus C               CPUs per node task; it runs one worker per CPU [2]
#   --mem-node M           memory per node task [3G]
#   --mem-coordinator M    memory of the coordinator [2G]
#   --time T               time limit per job (Slurm format) [04:00:00]
#   --partition P          partition [the cluster's default]
#   --name NAME            job name, used in log names [form3]
#   --chain K              also submit K follow-up jobs, each starting after the previous one ends, that resume
#                          the run if it is not finished (for runs longer than the time limit) [0]
#
# Logs go to RUN_DIR/logs/NAME-JOBID.out (coordinator and job script, appended across requeues) and
# RUN_DIR/logs/NAME-JOBID-node-I.log. Prints the job id(s).
set -euo pipefail

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
input=$1
run_dir=$2
shift 2
nodes=2 cpus=2 mem_node=3G mem_coordinator=2G time=04:00:00 partition="" name=form3 chain=0
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) nodes=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --mem-node) mem_node=$2; shift 2 ;;
        --mem-coordinator) mem_coordinator=$2; shift 2 ;;
        --time) time=$2; shift 2 ;;
        --partition) partition=$2; shift 2 ;;
        --name) name=$2; shift 2 ;;
        --chain) chain=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "error: unknown option $1 (see $0 with no arguments for the list)" >&2; exit 2 ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
bin=${FORM3_BIN:-$(dirname "$here")/publish}
[ -x "$bin/form3-coordinator" ] || { echo "error: $bin/form3-coordinator not found; run slurm/setup.sh first" >&2; exit 2; }
[ -e "$input" ] || { echo "error: input not found: $input" >&2; exit 2; }
input=$(cd "$(dirname "$input")" && pwd)/$(basename "$input")
mkdir -p "$run_dir/logs"
run_dir=$(cd "$run_dir" && pwd)

common=(--parsable --job-name="$name" --output="$run_dir/logs/%x-%j.out" --open-mode=append --requeue
        --signal=TERM@120 --time="$time" --export=ALL,FORM3_BIN="$bin")
part=()
[ -n "$partition" ] && part=(--partition="$partition")

submit() {
    sbatch "${common[@]}" "$@" "${part[@]}" --ntasks=1 --cpus-per-task=1 --mem="$mem_coordinator" \
        : "${part[@]}" --nodes="$nodes" --ntasks-per-node=1 --cpus-per-task="$cpus" --mem="$mem_node" \
        "$here/form3.sbatch" "$input" "$run_dir" "${extra[@]}"
}

job=$(submit)
echo "$job"
for _ in $(seq 1 "$chain"); do
    job=$(submit --dependency=afterany:"$job")
    echo "$job"
done
