"""Puts a local folder into a bucket of a local S3 server (moto), creating the
bucket: the test's stand-in for an agency uploading its files.

    python upload.py <endpoint, e.g. http://127.0.0.1:9000> <bucket> <folder> <prefix>

Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY),
as they do for pqa.
"""

import sys
from pathlib import Path

import boto3


def main(endpoint: str, bucket: str, folder: str, prefix: str) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    count = 0
    for file in sorted(Path(folder).rglob("*")):
        if file.is_file():
            key = f"{prefix}/{file.relative_to(folder).as_posix()}"
            s3.upload_file(str(file), bucket, key)
            count += 1
    print(f"uploaded {count} file(s) to {bucket}/{prefix}")


if __name__ == "__main__":
    main(*sys.argv[1:])
