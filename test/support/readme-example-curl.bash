# The `curl` that README examples call when test/e2e/readme-examples.test.ts runs them (sourced before the
# first block; see test/support/readme-examples.ts). It passes the README's arguments to the real curl with -q
# (no .curlrc) and -sS (no progress meter, errors kept), prints the body as curl would, records the call in
# $README_EXAMPLES_CALLS, and fails the command unless the status is a 2xx, or exactly $EXPECT_STATUS where
# the README documents an error ("# → HTTP 422 …" above the command).
curl() {
  local expected="${EXPECT_STATUS:-2xx}" args="${*//$'\n'/ }" body status='' ok=''
  body=$(mktemp "$README_EXAMPLES_TMP/body.XXXXXX")
  if status=$(command curl -q -sS -o "$body" -w '%{http_code}' "$@"); then
    if [[ $expected == 2xx ]]; then
      [[ $status == 2?? ]] && ok=1
    else
      [[ $status == "$expected" ]] && ok=1
    fi
  fi
  printf '%s\t%s\t%s\n' "${status:-000}" "$expected" "$args" >>"$README_EXAMPLES_CALLS"
  cat "$body"
  if [[ -z $ok ]]; then
    # The body goes to stderr too: stdout may be captured by the example ($(curl …)) and never shown.
    echo "README example: HTTP ${status:-(no answer)} where $expected was expected: curl $args" >&2
    echo "  answer: $(cat "$body")" >&2
    rm -f "$body"
    return 1
  fi
  rm -f "$body"
}
