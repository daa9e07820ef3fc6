#!/usr/bin/env python3
"""Resolve one profile's credentials with botocore, the reference client for role chains (protocol.md §12).

Usage: python botocore_chain.py [--cli-cache] PROFILE

Runs in the environment the caller gives it: AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, HOME (the SSO token cache
is ~/.aws/sso/cache), AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC / AWS_ENDPOINT_URL_STS (the awsso emulator).
It asks botocore's own credential chain for PROFILE's credentials (AssumeRoleProvider for ``role_arn`` profiles,
multi-hop, any source), then calls STS GetCallerIdentity with them, and prints ONE line of JSON on stdout:

    {"ok": true, "arn": "<GetCallerIdentity Arn>", "access_key": "ASIA...", "method": "assume-role",
     "mfa_prompts": ["Enter MFA code for arn:aws:iam::111111111111:mfa/alice: "]}
    {"ok": false, "error": "<exception class>: <message>", "mfa_prompts": [...]}

and exits 0 either way (non-zero only for usage errors or a broken Python).

* MFA (``mfa_serial``): botocore's prompter is answered with $AWSSO_TEST_MFA_CODE; every prompt is listed in
  ``mfa_prompts``. Without that variable the prompt fails with ``EOFError`` as getpass does when nobody can answer.
* ``--cli-cache``: cache assume-role results in ~/.aws/cli/cache with botocore's JSONFileCache, as the AWS CLI v2
  does (protocol.md §12.2), so cache interop can be tested both ways. Without it, botocore's default in-memory cache.
* AWS_EC2_METADATA_DISABLED defaults to ``true`` so ``credential_source = Ec2InstanceMetadata`` fails at once
  instead of waiting for 169.254.169.254.
* The STS region is the profile's ``region``, else us-east-1.
"""

import json
import os
import sys


def main(argv):
    args = argv[1:]
    cli_cache = "--cli-cache" in args
    args = [a for a in args if a != "--cli-cache"]
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python botocore_chain.py [--cli-cache] PROFILE", file=sys.stderr)
        return 2
    profile = args[0]
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

    # Imported after the environment is final: botocore reads some paths at import time.
    import botocore.session
    from botocore.utils import JSONFileCache

    prompts = []

    def prompter(prompt):
        prompts.append(prompt)
        code = os.environ.get("AWSSO_TEST_MFA_CODE")
        if code is None:
            raise EOFError("no MFA code: set AWSSO_TEST_MFA_CODE")
        return code

    result = {"mfa_prompts": prompts}
    try:
        session = botocore.session.Session(profile=profile)
        provider = session.get_component("credential_provider").get_provider("assume-role")
        provider._prompter = prompter  # botocore's hook for the MFA prompt (getpass.getpass by default)
        if cli_cache:
            provider.cache = JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache")))
        credentials = session.get_credentials()
        if credentials is None:
            raise RuntimeError(f"botocore found no credentials for profile {profile}")
        frozen = credentials.get_frozen_credentials()
        region = session.get_config_variable("region") or "us-east-1"
        sts = session.create_client(
            "sts",
            region_name=region,
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        identity = sts.get_caller_identity()
        result.update(ok=True, arn=identity["Arn"], access_key=frozen.access_key, method=credentials.method)
    except Exception as error:  # noqa: BLE001 - every failure is a result here
        result.update(ok=False, error=f"{type(error).__name__}: {error}")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
