#!/usr/bin/env python3
"""Dump how botocore parses an AWS config (and optional credentials) file.

Usage: python botocore_dump.py CONFIG_PATH [CREDENTIALS_PATH]

Prints ONE line of JSON to stdout:

    {"profiles": {NAME: {KEY: VALUE}}, "sso_sessions": {NAME: {KEY: VALUE}}}

where VALUE is a string, or a dict of str -> str for nested sub-properties
(``s3 =`` followed by indented ``key = value`` lines), exactly as
``botocore.session.Session().full_config`` returns them.  ``services``
sections and other non-profile sections are not part of the output.

If botocore raises while loading (e.g. ``ConfigParseError``), prints
``{"error": "<ExceptionClassName>"}`` and still exits 0.  Exits non-zero
only on usage errors.

The files are always decoded as UTF-8: if the interpreter is not already
decoding files as UTF-8 (a non-UTF-8 locale), the script re-executes itself in
Python's UTF-8 mode (``-X utf8``) so results do not depend on the locale.
"""

import json
import locale
import os
import sys
import tempfile


def _usage(message=None):
    if message:
        print(f"botocore_dump.py: {message}", file=sys.stderr)
    print("usage: python botocore_dump.py CONFIG_PATH [CREDENTIALS_PATH]", file=sys.stderr)
    sys.exit(2)


def _ensure_utf8_mode():
    # configparser opens files with the locale's encoding; botocore users are on
    # UTF-8 locales in practice, and the Rust side reads UTF-8, so pin it.
    if sys.flags.utf8_mode:
        return
    if locale.getpreferredencoding(False).lower().replace("-", "") == "utf8":
        return
    if os.environ.get("_BOTOCORE_DUMP_REEXEC") == "1":
        return  # avoid any chance of looping
    env = dict(os.environ, _BOTOCORE_DUMP_REEXEC="1")
    os.execve(sys.executable, [sys.executable, "-X", "utf8", *sys.argv], env)


def _plain(value):
    """Convert botocore's value to plain JSON types (str or dict[str, str])."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def main(argv):
    if len(argv) not in (2, 3) or argv[1] in ("-h", "--help"):
        _usage()
    config_path = os.path.abspath(argv[1])
    creds_path = os.path.abspath(argv[2]) if len(argv) == 3 else None

    with tempfile.TemporaryDirectory(prefix="botocore-dump-") as tmp:
        if creds_path is None or not os.path.exists(creds_path):
            creds_path = os.path.join(tmp, "no-such-credentials-file")

        os.environ["AWS_CONFIG_FILE"] = config_path
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = creds_path
        os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
        # full_config does not consult these, but keep the run hermetic.
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(var, None)

        try:
            import botocore.session  # noqa: PLC0415 (import after env set)
        except ImportError as exc:
            # A broken setup, not a parse result: fail loudly.
            print(f"botocore_dump.py: cannot import botocore: {exc}", file=sys.stderr)
            return 3

        try:
            session = botocore.session.Session()
            full = session.full_config
            obj = {
                "profiles": _plain(full.get("profiles", {})),
                "sso_sessions": _plain(full.get("sso_sessions", {})),
            }
        except Exception as exc:  # noqa: BLE001 - any loading failure is data
            obj = {"error": type(exc).__name__}

    sys.stdout.write(json.dumps(obj, sort_keys=True, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    _ensure_utf8_mode()
    try:
        sys.stdout.reconfigure(encoding="utf-8")
    except (AttributeError, ValueError):
        pass
    sys.exit(main(sys.argv))
