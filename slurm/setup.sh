#!/usr/bin/env bash
# Builds what compute nodes run: a self-contained publish of both executables (form3-coordinator, form3-node)
# into publish/, so nodes need no .NET installed, precompiled (ReadyToRun) so that a job does not spend its first
# seconds in the JIT. Run once on the login node, again after updating the code.
set -euo pipefail
cd "$(dirname "$0")/.."
rid=${FORM3_RID:-linux-x64}
for project in src/Coordinator/Form3Actors.Coordinator.csproj src/Node/Form3Actors.Node.csproj; do
    dotnet publish "$project" -c Release -r "$rid" --self-contained true -p:PublishReadyToRun=true -p:Form3ReadyToRun=false -o publish -v quiet -nologo
done
# The job script asks it, on each host, for the address the others reach that host by.
install -m 755 slurm/form3-address publish/form3-address
echo "published form3-coordinator, form3-node and form3-address ($rid, self-contained) to $(pwd)/publish"
