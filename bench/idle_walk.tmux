# tmux-walk script: the demo's views, 20 idle seconds in each (issue 12 item 3). Run from anywhere:
#   /work/shared/tools/tmux-walk --size 80x24 --out /tmp/idle-walk -- env PYTHONPATH=$PWD .venv/bin/python -m batchtui demo < bench/idle_walk.tmux
# The jobs, pools and render-pool nodes are measured once the demo's render job has finished (up to 10 min).
# A state may be drawn after a glyph (ui.palette): the patterns allow one word before it.
until Jobs 60
wait 5
keys :
wait 0.5
type tasks nightly-etl
keys Enter
until etl-010 20
wait 4
expect failed 3
shot tasks-nightly
idle 20 tasks
keys l
until extract[[:space:]]shard[[:space:]]0 20
wait 3
shot log
idle 20 log
keys Escape
wait 1
keys b
until stdout.txt 20
wait 3
shot files
idle 20 files
keys Escape
wait 1
keys :
wait 0.5
type storage
keys Enter
until outputs 20
wait 3
shot storage
idle 20 storage
keys Escape
wait 1
keys ?
until Keys 10
wait 2
shot help
idle 20 help
keys Escape
wait 1
keys t
until Cancel 10
wait 2
shot dialog
idle 20 dialog
keys Escape
wait 1
keys :
wait 0.5
type tasks train-model
keys Enter
until epoch-07 20
wait 4
idle 20 tasks-queued
keys :
wait 0.5
type nodes gpu-pool
keys Enter
until No[[:space:]]nodes 20
wait 4
idle 20 nodes-empty
keys :
wait 0.5
type jobs
keys Enter
until render-fram[^[:space:]]*[[:space:]]+([^[:space:]]+[[:space:]]+)?active[[:space:]]+0[[:space:]]+0[[:space:]]+24[[:space:]]+0 600
wait 6
shot jobs
idle 20 jobs
keys :
wait 0.5
type pools
keys Enter
until render-pool[[:space:]]+([^[:space:]]+[[:space:]]+)?active[[:space:]]+([^[:space:]]+[[:space:]]+)?steady[[:space:]]+0[[:space:]] 60
wait 6
shot pools
idle 20 pools
keys :
wait 0.5
type nodes render-pool
keys Enter
until tvm- 20
wait 6
shot nodes
idle 20 nodes
keys q   # quit, and give the demo time to stop its emulator and Azurite (the walk then kills tmux)
wait 8
