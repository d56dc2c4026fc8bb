"""Virtual-host style addressing (`bucket.DOMAIN`) with `pachs3 serve --domain`, through boto3."""
import re
import subprocess

import boto3
import requests
from botocore.config import Config

from conftest import _binary

READY = re.compile(r"listening on http://127\.0\.0\.1:(\d+) ")


def test_virtual_host_style(tmp_path):
    proc = subprocess.Popen([_binary(), "serve", "--data-dir", str(tmp_path / "data"), "--address", "127.0.0.1", "--port", "0",
                             "--grpc-port", "0", "--domain", "s3.localhost"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        for line in proc.stdout:  # blocks until the ready line; the process exits on failure, ending the loop
            m = READY.search(line)
            if m:
                port = int(m.group(1))
                break
        assert port, "pachs3 serve did not start"
        base = f"http://127.0.0.1:{port}"
        host = {"Host": f"master.vhost.s3.localhost:{port}"}
        # The bucket in the Host header, the key in the path (no resolver needed for the name).
        assert requests.put(base + "/", headers=host).status_code == 200
        assert requests.put(base + "/dir/a.txt", data=b"virtual", headers=host).status_code == 200
        assert requests.get(base + "/dir/a.txt", headers=host).content == b"virtual"
        listing = requests.get(base + "/?list-type=2", headers=host).text
        assert "<Name>master.vhost</Name>" in listing and "<Key>dir/a.txt</Key>" in listing
        # Path style keeps working on the same server.
        path_style = boto3.client("s3", endpoint_url=base, region_name="us-east-1",
                                  aws_access_key_id="k", aws_secret_access_key="k", config=Config(s3={"addressing_style": "path"}))
        assert path_style.get_object(Bucket="master.vhost", Key="dir/a.txt")["Body"].read() == b"virtual"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
