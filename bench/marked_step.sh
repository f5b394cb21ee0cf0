# Sourced by bench/ppo_seeds.sh and bench/rm_screen.sh. marked_step WHAT DIR LOG COMMAND... runs COMMAND into LOG
# unless DIR/_SUCCESS exists, so an interrupted study resumes; on failure it names LOG's last line and exits. The stage
# commands leave no marker of their own (the pipeline writes one per stage), so the step writes it.
marked_step() {
  local what="$1" dir="$2" log="$3"
  shift 3
  if [[ -f "$dir/_SUCCESS" ]]; then
    return 0
  fi
  echo "$what -> $dir (log $log)" >&2
  "$@" > "$log" 2>&1 || { echo "$what failed: $(tail -1 "$log") (log $log)" >&2; exit 1; }
  touch "$dir/_SUCCESS"
}
