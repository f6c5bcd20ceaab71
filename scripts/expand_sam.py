"""Expand infra/template.yaml's SAM transform into plain CloudFormation, offline.

cfn-lint on its own barely checks AWS::Serverless::* resources (a bad
runtime, a bad !GetAtt or an out-of-range timeout slip through), so the test
command lints the expanded template as well.

usage: expand_sam.py TEMPLATE OUTPUT_JSON
"""

import json
import os
import sys

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform


class OfflinePolicyLoader:
    """The translator asks IAM for managed policy ARNs; we use none."""

    def load(self):
        return {}


def main(source: str, target: str) -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = cfn_yaml.load(source)
    # Local CodeUri folders are uploaded by `sam build`; the translator wants S3.
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = "s3://servicedesk-artifacts/function.zip"
    expanded = transform(json.loads(json.dumps(template)), {}, OfflinePolicyLoader())
    with open(target, "w", encoding="utf-8") as out:
        json.dump(expanded, out, indent=1)
    print(f"expanded {source}: {len(expanded.get('Resources', {}))} resources")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
