# Sourced by bench/ppo_seeds.sh and bench/rm_screen.sh. marked_step WHAT DIR LOG COMMAND... runs COMMAND into LOG
# unless DIR/_SUCCESS exists (COMMAND is a stage command writing into DIR, which writes the marker when it returns),
# so an interrupted study resumes; on failure it names LOG's last line and exits.
marked_step() {
  local what="$1" dir="$2" log="$3"
  shift 3
  if [[ -f "$dir/_SUCCESS" ]]; then
    return 0
  fi
  echo "$what -> $dir (log $log)" >&2
  "$@" > "$log" 2>&1 || { echo "$what failed: $(tail -1 "$log") (log $log)" >&2; exit 1; }
}
