# shellcheck shell=bash
# shellcheck disable=SC2154  # the globals below are set by stylize-video before it calls these
# The chunked path of filters/stylize-video: progress over all chunks and hosts, the chunk files of the state
# folder, GNU parallel run so that a signal ends it at once, and the ssh wrapper that names failing hosts.
# Functions only; they read stylize-video's globals (frames, chunks, chunk_total, chunk_warm, chunk_fade, state,
# WORKDIR, rate, remote, verbose, total_label, input...).

# Reads stylize's stderr (lines tagged "chunk K<TAB>" by parallel in chunked runs) and the events of the ssh
# wrapper (chunk started or failed on a host), and turns them into frames done, of how many, with the time
# left; passes everything else through. FRAMES_BEFORE: frames finished by an earlier run (--workdir).
progress() {
    local line chunk image kept done_frames="${1:-0}" before="${1:-0}" start="$EPOCHSECONDS" left eta="" where
    local kind host status reason
    local -A best=() host_of=()
    while IFS= read -r line; do
        if [[ "$line" == stylize-video-event$'\t'* ]]; then
            IFS=$'\t' read -r _ kind chunk host status reason <<< "$line"
            chunk="$((10#$chunk))"
            if [[ "$kind" == start ]]; then
                host_of[$chunk]="$host"
                (( ! verbose )) || msg "chunk $chunk/$chunks: started on $host"
            else
                warn "chunk $chunk/$chunks failed on $host (exit $status${reason:+: $reason}); it is retried elsewhere while attempts are left"
            fi
            continue
        fi
        line="${line//$'\r'/}"
        chunk=""
        if [[ "$line" =~ ^chunk\ ([0-9]+)$'\t'(.*)$ ]]; then
            chunk="$((10#${BASH_REMATCH[1]}))"
            line="${BASH_REMATCH[2]}"
        fi
        # ssh's and rsync's complaints in a failed attempt: the failure is reported above, once.
        if [[ "$line" =~ ^(.*)chunk\ [0-9]+$'\t'$ ]]; then line="${BASH_REMATCH[1]}"; fi
        [[ "$line" != rsync* && "$line" != ssh:* ]] || (( verbose )) || continue
        where=""
        [[ -z "$chunk" ]] || where="chunk $chunk/$chunks"
        (( ! verbose )) || [[ -z "${host_of[$chunk]:-}" ]] || where+=" on ${host_of[$chunk]}"
        if [[ "$line" =~ ^stylize:\ image\ ([0-9]+):\ .*,\ ([0-9.]+)\ s$ ]]; then
            image="${BASH_REMATCH[1]}"
            kept=$(( image - ${chunk_warm[${chunk:-0}]:-0} ))
            if (( kept <= 0 )); then
                (( ! verbose )) || msg "$where: warm-up frame $image/${chunk_warm[$chunk]} (${BASH_REMATCH[2]} s)"
                continue
            fi
            # A retried chunk counts its frames once.
            if (( kept > ${best[${chunk:-0}]:-0} )); then
                done_frames=$(( done_frames + kept - ${best[${chunk:-0}]:-0} ))
                best[${chunk:-0}]="$kept"
            fi
            eta=""
            if (( frames > done_frames && done_frames > before )); then
                left=$(( (EPOCHSECONDS - start) * (frames - done_frames) / (done_frames - before) ))
                eta=", $(format_seconds "$left") left"
            fi
            if [[ -n "$chunk" ]]; then
                msg "$where: frame $kept/${chunk_total[$chunk]:-?} (${BASH_REMATCH[2]} s); $done_frames/$total_label frames done$eta"
            else
                msg "frame $kept/$total_label (${BASH_REMATCH[2]} s)$eta"
            fi
        elif [[ -n "$chunk" ]]; then
            printf '%s: %s: %s\n' "$PROG" "$where" "$line" >&2
        else
            printf '%s\n' "$line" >&2
        fi
    done
}

chunk_name() { printf 'chunk-%04d' "$1"; }

# encode_chunk K: a stylized PPM stream on stdin (warm-up frames first) -> chunk-K.nut.part (the kept frames)
# and, after a warm-up, chunk-K.warm.nut.part (the warm-up frames, which --cross-fade blends into the end of
# chunk K-1 at the join); commit_chunk K renames them, the .nut last: it says the chunk is done (chunk_done).
encode_chunk() {
    local warm="${chunk_warm[$1]}" name="$state/$(chunk_name "$1")" ffv1=(-c:v ffv1 -level 3 -f nut -y)
    if (( warm == 0 )); then
        ffmpeg -nostdin -hide_banner -loglevel error -f image2pipe -framerate "$rate" -c:v ppm -i - "${ffv1[@]}" "$name.nut.part"
        return
    fi
    ffmpeg -nostdin -hide_banner -loglevel error -f image2pipe -framerate "$rate" -c:v ppm -i - -filter_complex \
        "[0]split[w][k];[w]trim=end_frame=$warm,setpts=PTS-STARTPTS[warm];[k]trim=start_frame=$warm,setpts=PTS-STARTPTS[kept]" \
        -map '[kept]' "${ffv1[@]}" "$name.nut.part" -map '[warm]' "${ffv1[@]}" "$name.warm.nut.part"
}
commit_chunk() {
    local name="$state/$(chunk_name "$1")"
    (( chunk_warm[$1] == 0 )) || mv -f -- "$name.warm.nut.part" "$name.warm.nut"
    mv -f -- "$name.nut.part" "$name.nut"
}
chunk_done() {  # chunk_done K: chunk K's files are complete in the state folder
    local name="$state/$(chunk_name "$1")"
    [[ -s "$name.nut" ]] && { (( chunk_warm[$1] == 0 )) || [[ -s "$name.warm.nut" ]]; }
}

# join_list FILE: the concat demuxer's list of the video's segments in order, with their durations (a file's
# own duration would leave out its last frame's). Without --cross-fade the chunks as they are. With it, at
# the join before chunk K the last F frames of chunk K-1 (F = chunk_fade[K]) are replaced by a blend of them
# with chunk K's stylization of the same frames (the end of its warm-up): frame j = 1..F of the F is
# round(A + (B - A) j / (F + 1)), A chunk K-1's, B chunk K's, so that the change from one chain to the other
# is spread over F + 1 frame steps instead of one. The segments (the chunk's head, the blend) are written
# losslessly (FFV1) in the work folder.
join_list() {
    local list="$1" k f n segments=() lengths=() head prev
    segment() { segments+=("$1"); lengths+=("$2"); }
    for ((k = 1; k <= chunks; k++)); do
        n="${chunk_total[k]}"
        f="${chunk_fade[k + 1]:-0}"
        prev="$state/$(chunk_name "$k").nut"
        if (( f == 0 )); then
            segment "$prev" "$n"
            continue
        fi
        head="$WORKDIR/head-$k.nut"
        fade_join "$k" "$f" "$head" "$WORKDIR/fade-$((k + 1)).nut" || die "ffmpeg could not cross-fade chunks $k and $((k + 1))"
        (( n == f )) || segment "$head" "$(( n - f ))"
        segment "$WORKDIR/fade-$((k + 1)).nut" "$f"
    done
    for ((k = 0; k < ${#segments[@]}; k++)); do
        printf 'file %s\nduration %s\n' "$(concat_quote "${segments[k]}")" \
            "$(awk -v n="${lengths[k]}" -v r="$rate" 'BEGIN { split(r, p, "/"); d = (2 in p) ? p[2] : 1; printf "%.9f", n * d / p[1] }')"
    done > "$list"
}

concat_quote() { local s="$1" q="'\\''"; printf "'%s'" "${s//\'/$q}"; }  # a path in the concat list's quotes

# fade_join K F HEAD FADE: chunk K's frames but its last F -> HEAD (none when that is all of them), and the
# blend of its last F with the last F warm-up frames of chunk K+1 -> FADE (see join_list). The frames are
# numbered 0..F-1 by their timestamps (settb=1, setpts=N: T is the frame's number), as blend's own frame
# counter starts at 0 or 1 depending on the ffmpeg version.
fade_join() {
    local k="$1" f="$2" n="${chunk_total[$1]}" w="${chunk_warm[$(($1 + 1))]}" heads=()
    local graph="[0]split[p][q];[q]trim=start_frame=$(( n - f )),format=gbrp,settb=1,setpts=N[a]"
    graph+=";[1]trim=start_frame=$(( w - f )),format=gbrp,settb=1,setpts=N[b]"
    graph+=";[a][b]blend=all_expr='A+(B-A)*(T+1)/$(( f + 1 ))+0.5',settb=AVTB,setpts=N/($rate)/TB[fade]"
    if (( n > f )); then
        graph+=";[p]trim=end_frame=$(( n - f )),setpts=PTS-STARTPTS[head]"
        heads=(-map '[head]' -c:v ffv1 -level 3 -f nut -y "$3")
    else
        graph+=";[p]nullsink"
    fi
    ffmpeg -nostdin -hide_banner -loglevel error -i "$state/$(chunk_name "$k").nut" -i "$state/$(chunk_name $((k + 1))).warm.nut" \
        -filter_complex "$graph" "${heads[@]}" -map '[fade]' -c:v ffv1 -level 3 -f nut -y "$4"
}

# Chunks back from a host (complete: rsync and the remote command rename when done) become chunk-K.nut.
encode_returned() {
    local k name
    for ((k = 1; k <= chunks; k++)); do
        name="$(chunk_name "$k")"
        [[ -s "$state/$name.out.ppm" ]] && ! chunk_done "$k" || continue
        { encode_chunk "$k" < "$state/$name.out.ppm" && commit_chunk "$k"; } || die "ffmpeg could not read stylized chunk $k"
        rm -f -- "$state/$name.out.ppm"
    done
}

# run_parallel ARGS...: GNU parallel over the chunk names of the to-do list, its messages through progress,
# in the background so that INT and TERM end it at once (parallel, on a TERM of its own, ends its jobs).
# Fd 5 carries the ssh wrapper's events to progress. Returns parallel's status.
run_parallel() {
    (
        cd "$state"
        { if (( remote )); then produce; else cat "$WORKDIR/todo"; fi } |
            { echo "$BASHPID" > "$WORKDIR/parallel.pid"; exec parallel "$@" 2>&1 >/dev/null 5>&2; } | progress "$frames_before"
        exit "${PIPESTATUS[1]}"
    ) &
    local pid=$! status=0
    wait "$pid" || status=$?
    rm -f "$WORKDIR/parallel.pid"
    return "$status"
}
stop_parallel() {  # on exit: ends a parallel still running, and waits (a few seconds) until it has
    local pid
    pid="$(cat "$WORKDIR/parallel.pid" 2>/dev/null)" || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null; sleep 0.3; kill -TERM "$pid" 2>/dev/null || true
    for _ in {1..50}; do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# produce: for each chunk name of the to-do list, decodes the chunk's frames (warm-up first) to
# chunk-K.in.ppm in the current folder, renamed when complete, and prints the name (parallel's input).
produce() {
    local name k
    while read -r name; do
        k="$((10#$name))"
        [[ -s "chunk-$name.in.ppm" ]] ||
            { decode $(( $(chunk_start "$k") - chunk_warm[k] )) "$(chunk_start $((k + 1)))" > "chunk-$name.in.ppm.part" &&
              mv -f "chunk-$name.in.ppm.part" "chunk-$name.in.ppm"; } ||
            { printf '%s: error: ffmpeg could not decode chunk %d of %s\n' "$PROG" "$k" "$input" >&2; return 1; }
        echo "$name"
    done < "$WORKDIR/todo"
}

# write_ssh_wrapper FILE TODO SSH_COMMAND: writes FILE, the ssh command GNU parallel gets (--ssh) in chunked
# runs. It runs SSH_COMMAND with parallel's arguments. For the ssh that runs a chunk's job (parallel's
# worker) it reports on fd 5 (when open) a tab-separated line "stylize-video-event start CHUNK HOST" first,
# and "stylize-video-event fail CHUNK HOST STATUS REASON" if it fails (REASON: the last line ssh or the remote
# command wrote on stderr, which passes through). The other sshs (folders, rsync transfers, clean-up) keep
# their stderr to themselves: a host that refuses would repeat its refusal for each; parallel's exit status
# and the files that came back tell. CHUNK is line PARALLEL_SEQ of the file TODO (the chunk names in
# parallel's input order); HOST is PARALLEL_SSHLOGIN.
write_ssh_wrapper() {
    local file="$1" todo="$2" ssh_command="$3"
    {
        echo '#!/usr/bin/env bash'
        printf 'todo=%q\n' "$todo"
        printf 'ssh_command=%q\n' "$ssh_command"
        cat <<'WRAPPER'
event() { printf 'stylize-video-event\t%s\t%s\t%s\t%s\t%s\n' "$@" >&5; } 2>/dev/null
err="$(mktemp "${todo%/*}/ssh-err.XXXXXX")"   # in the work folder, removed at the end
if [[ "$*" != *GNU_Parallel_worker* ]]; then
    # shellcheck disable=SC2086  # the ssh command is words, as parallel's --ssh takes it
    $ssh_command "$@" 2>"$err"
    status=$?
    rm -f "$err"
    exit "$status"
fi
chunk="$(sed -n "${PARALLEL_SEQ:-0}p" "$todo" 2>/dev/null)"
host="${PARALLEL_SSHLOGIN:-?}"
event start "${chunk:-0}" "$host" "" ""
# shellcheck disable=SC2086
$ssh_command "$@" 2> >(tee "$err" >&2)
status=$?
wait $! 2>/dev/null
if (( status != 0 )); then
    reason="$(tr -d '\r' < "$err" | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c 1-200 | tr '\t' ' ')"
    event fail "${chunk:-0}" "$host" "$status" "$reason"
fi
rm -f "$err"
exit "$status"
WRAPPER
    } > "$file"
    chmod +x "$file"
}
