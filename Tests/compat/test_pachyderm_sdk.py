"""The real Pachyderm Python SDK (`pachyderm-sdk` from PyPI) against the gRPC API of a live
`pachs3 serve`: projects, repos, branches, commits, files, auth, and the same data through S3."""
from __future__ import annotations

import hashlib
import os

import boto3
import grpc
import pytest
from botocore.config import Config
from pachyderm_sdk import Client
from pachyderm_sdk.api import pfs
from pachyderm_sdk.errors import AuthServiceNotActivated

from conftest import Gateway, _binary, make_client


@pytest.fixture(scope="module")
def sdk(gateway) -> Client:
    return Client(host="127.0.0.1", port=gateway.grpc_port)


def status(call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as e:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
    return e.value.code()


def read(client: Client, uri: str, offset: int = 0) -> bytes:
    return b"".join(m.value for m in client.pfs.get_file(file=pfs.File.from_uri(uri), offset=offset))


def test_projects_repos_and_branches(sdk):
    sdk.pfs.create_project(project=pfs.Project(name="sdkproj"), description="from the SDK")
    assert sdk.pfs.project_exists(pfs.Project(name="sdkproj"))
    assert not sdk.pfs.project_exists(pfs.Project(name="nosuchproject"))
    assert "sdkproj" in [p.project.name for p in sdk.pfs.list_project()]
    assert sdk.pfs.inspect_project(project=pfs.Project(name="sdkproj")).description == "from the SDK"

    repo = pfs.Repo(name="images", project=pfs.Project(name="sdkproj"))
    sdk.pfs.create_repo(repo=repo, description="pictures")
    assert sdk.pfs.repo_exists(repo)
    assert not sdk.pfs.repo_exists(pfs.Repo.from_uri("nosuchrepo"))
    assert sdk.pfs.inspect_repo(repo=repo).description == "pictures"
    assert [r.repo.name for r in sdk.pfs.list_repo(projects=[pfs.Project(name="sdkproj")])] == ["images"]
    assert status(lambda: sdk.pfs.create_repo(repo=repo)) == grpc.StatusCode.ALREADY_EXISTS
    sdk.pfs.create_repo(repo=repo, update=True)  # update: no error

    master = pfs.Branch(repo=repo, name="master")
    with sdk.pfs.commit(branch=master) as c:
        c.put_file_from_bytes("/a.txt", b"first")
    head = sdk.pfs.inspect_branch(branch=master).head
    assert len(head.id) == 32 and head.id == head.id.lower()
    dev = pfs.Branch(repo=repo, name="dev")
    sdk.pfs.create_branch(branch=dev, head=head)
    assert sdk.pfs.branch_exists(dev)
    assert sdk.pfs.inspect_branch(branch=dev).head.id == head.id
    assert sorted(b.branch.name for b in sdk.pfs.list_branch(repo=repo)) == ["dev", "master"]
    sdk.pfs.delete_branch(branch=dev)
    assert not sdk.pfs.branch_exists(dev)
    assert sdk.pfs.delete_repo(repo=repo).deleted
    assert not sdk.pfs.repo_exists(repo)
    sdk.pfs.delete_project(project=pfs.Project(name="sdkproj"))
    assert not sdk.pfs.project_exists(pfs.Project(name="sdkproj"))


def test_put_file_from_file_of_50_mb_reads_back_through_the_sdk_and_s3(sdk, gateway, tmp_path):
    sdk.pfs.create_repo(repo=pfs.Repo.from_uri("bigdata"))
    data = os.urandom(50 * 1000 * 1000)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    with sdk.pfs.commit(branch=pfs.Branch.from_uri("bigdata@master")) as c:
        with src.open("rb") as f:
            c.put_file_from_file(path="/dir/big.bin", file=f)  # the SDK sends 19 MB add_file messages
        c.put_file_from_bytes("/small.txt", b"hello")
    c.wait()
    got = read(sdk, "bigdata@master:/dir/big.bin")
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    assert read(sdk, "bigdata@master:/dir/big.bin", offset=len(data) - 10) == data[-10:]
    info = sdk.pfs.inspect_file(file=pfs.File.from_uri("bigdata@master:/dir/big.bin"))
    assert info.size_bytes == len(data) and info.file_type == pfs.FileType.FILE

    s3 = make_client(gateway.endpoint)
    body = s3.get_object(Bucket="master.bigdata", Key="dir/big.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    assert s3.get_object(Bucket="master.bigdata", Key="small.txt")["Body"].read() == b"hello"
    # And the other way: a PUT through S3 is a file for the SDK.
    s3.put_object(Bucket="master.bigdata", Key="from-s3.txt", Body=b"via s3")
    assert read(sdk, "bigdata@master:/from-s3.txt") == b"via s3"


def test_commit_context_manager_list_diff_delete_and_wait(sdk):
    repo = pfs.Repo.from_uri("flow")
    sdk.pfs.create_repo(repo=repo)
    master = pfs.Branch.from_uri("flow@master")
    with sdk.pfs.commit(branch=master, description="one") as c1:
        c1.put_file_from_bytes("/x/1.txt", b"1")
        c1.put_file_from_bytes("/x/2.txt", b"22")
        c1.put_file_from_bytes("/top.txt", b"top")
    info1 = sdk.pfs.wait_commit(c1)
    assert info1.finished and info1.description == "one"
    with sdk.pfs.commit(branch=master) as c2:
        c2.delete_file(path="/x/1.txt")
        c2.put_file_from_bytes("/x/2.txt", b"two", append=True)
        c2.put_file_from_bytes("/top.txt", b"TOP")
    info2 = sdk.pfs.inspect_commit(commit=c2, wait=pfs.CommitState.FINISHED)
    assert info2.finished and info2.parent_commit.id == c1.id

    assert read(sdk, "flow@master:/x/2.txt") == b"22two"
    assert read(sdk, "flow@master:/top.txt") == b"TOP"
    assert read(sdk, f"flow@{c1.id}:/top.txt") == b"top"
    assert sdk.pfs.path_exists(pfs.File.from_uri("flow@master:/x"))
    assert not sdk.pfs.path_exists(pfs.File.from_uri("flow@master:/x/1.txt"))
    assert sdk.pfs.commit_exists(pfs.Commit(repo=repo, id=c1.id))
    assert not sdk.pfs.commit_exists(pfs.Commit(repo=repo, id="0" * 32))

    top = [(f.file.path, f.file_type) for f in sdk.pfs.list_file(file=pfs.File.from_uri("flow@master:/"))]
    assert top == [("/top.txt", pfs.FileType.FILE), ("/x/", pfs.FileType.DIR)]
    old = [f.file.path for f in sdk.pfs.list_file(file=pfs.File.from_uri(f"flow@{c1.id}:/x"))]
    assert old == ["/x/1.txt", "/x/2.txt"]
    page = [f.file.path for f in sdk.pfs.list_file(file=pfs.File.from_uri(f"flow@{c1.id}:/x"), number=1,
                                                      pagination_marker=pfs.File.from_uri(f"flow@{c1.id}:/x/1.txt"))]
    assert page == ["/x/2.txt"]
    assert [f.file.path for f in sdk.pfs.walk_file(file=pfs.File.from_uri("flow@master:/"))] == ["/top.txt", "/x/2.txt"]
    assert [f.file.path for f in sdk.pfs.glob_file(commit=pfs.Commit.from_uri("flow@master"), pattern="/x/*")] == ["/x/2.txt"]

    diff = {(d.new_file.file.path, d.old_file.file.path) for d in sdk.pfs.diff_file(new_file=pfs.File.from_uri("flow@master:/"))}
    assert diff == {("", "/x/1.txt"), ("/x/2.txt", "/x/2.txt"), ("/top.txt", "/top.txt")}

    commits = list(sdk.pfs.list_commit(repo=repo))
    assert [c.commit.id for c in commits] == [c2.id, c1.id]
    assert [c.commit.id for c in sdk.pfs.list_commit(repo=repo, number=1)] == [c2.id]
    assert [c.commit.id for c in sdk.pfs.list_commit(repo=repo, reverse=True)] == [c1.id, c2.id]

    # delete_file outside a commit context: a branch whose HEAD is finished gets a new commit.
    sdk.pfs.delete_file(commit=pfs.Commit.from_uri("flow@master"), path="/top.txt")
    assert not sdk.pfs.path_exists(pfs.File.from_uri("flow@master:/top.txt"))
    assert len(list(sdk.pfs.list_commit(repo=repo))) == 3


def test_glob_of_a_pathological_pattern_answers_at_once(sdk):
    """GlobFile matched by backtracking: `*a*a*…*b` against a long name of `a`s took exponential time (2^30 steps
    here), holding a server task for good. Now it is one pass of pattern x name."""
    sdk.pfs.create_repo(repo=pfs.Repo(name="globs"))
    name = "a" * 200
    with sdk.pfs.commit(branch=pfs.Branch.from_uri("globs@master")) as c:
        c.put_file_from_bytes(path=f"/{name}", data=b"x")
    commit = pfs.Commit.from_uri("globs@master")
    assert list(sdk.pfs.glob_file(commit=commit, pattern="*a" * 30 + "b")) == []
    assert [f.file.path for f in sdk.pfs.glob_file(commit=commit, pattern="*a" * 30)] == [f"/{name}"]


def test_put_file_to_a_branch_overwrites_in_one_commit(sdk):
    sdk.pfs.create_repo(repo=pfs.Repo.from_uri("oneoff"))
    master = pfs.Commit.from_uri("oneoff@master")
    sdk.pfs.put_file_from_bytes(commit=master, path="/f", data=b"one")
    sdk.pfs.put_file_from_bytes(commit=master, path="/f", data=b"two")
    sdk.pfs.put_file_from_bytes(commit=master, path="/f", data=b"+", append=True)
    assert read(sdk, "oneoff@master:/f") == b"two+"
    assert len(list(sdk.pfs.list_commit(repo=pfs.Repo.from_uri("oneoff")))) == 3


def test_one_modify_file_stream_to_a_finished_head_is_one_commit(sdk):
    repo = pfs.Repo.from_uri("streamed")
    sdk.pfs.create_repo(repo=repo)
    master = pfs.Commit.from_uri("streamed@master")
    sdk.pfs.put_file_from_bytes(commit=master, path="/f", data=b"old")
    sdk.pfs.put_file_from_bytes(commit=master, path="/gone/1", data=b"1")
    head = sdk.pfs.inspect_commit(commit=master).commit
    big = os.urandom(3 << 20)
    ops = iter([
        pfs.ModifyFileRequest(set_commit=master),
        pfs.ModifyFileRequest(delete_file=pfs.DeleteFile(path="/f")),  # delete + add: the SDK's overwrite
        pfs.ModifyFileRequest(add_file=pfs.AddFile(path="/f", raw=b"new")),
        pfs.ModifyFileRequest(add_file=pfs.AddFile(path="/big", raw=big[: 2 << 20])),
        pfs.ModifyFileRequest(add_file=pfs.AddFile(path="/big", raw=big[2 << 20:])),
        pfs.ModifyFileRequest(copy_file=pfs.CopyFile(src=pfs.File(commit=head, path="/gone/1"), dst="/copied")),
        pfs.ModifyFileRequest(delete_file=pfs.DeleteFile(path="/gone/")),
    ])
    sdk.pfs.modify_file(ops)
    commits = list(sdk.pfs.list_commit(repo=repo))
    assert len(commits) == 3 and commits[0].finished
    assert read(sdk, "streamed@master:/f") == b"new" and read(sdk, "streamed@master:/big") == big
    assert read(sdk, "streamed@master:/copied") == b"1"
    assert sorted(f.file.path for f in sdk.pfs.walk_file(file=pfs.File.from_uri("streamed@master:/"))
                  if f.file_type == pfs.FileType.FILE) == ["/big", "/copied", "/f"]
    # A stream whose client fails midway commits nothing, not even its first operations.

    def broken():
        yield pfs.ModifyFileRequest(set_commit=master)
        yield pfs.ModifyFileRequest(delete_file=pfs.DeleteFile(path="/f"))
        yield pfs.ModifyFileRequest(add_file=pfs.AddFile(path="/partial", raw=b"x" * (1 << 20)))
        raise RuntimeError("the source broke")

    with pytest.raises(grpc.RpcError):
        sdk.pfs.modify_file(broken())
    assert len(list(sdk.pfs.list_commit(repo=repo))) == 3
    assert read(sdk, "streamed@master:/f") == b"new"
    assert not sdk.pfs.path_exists(pfs.File.from_uri("streamed@master:/partial"))


def test_bad_input_gets_a_clear_status_and_loses_nothing(sdk):
    repo = pfs.Repo.from_uri("strict")
    sdk.pfs.create_repo(repo=repo)
    with sdk.pfs.commit(branch=pfs.Branch.from_uri("strict@master")) as c:
        c.put_file_from_bytes("/keep.txt", b"keep")
    assert status(lambda: sdk.pfs.inspect_repo(repo=pfs.Repo.from_uri("nosuch"))) == grpc.StatusCode.NOT_FOUND
    assert status(lambda: sdk.pfs.inspect_commit(commit=pfs.Commit(repo=repo, id="f" * 32))) == grpc.StatusCode.NOT_FOUND
    assert status(lambda: sdk.pfs.create_repo(repo=pfs.Repo(name="bad name!"))) == grpc.StatusCode.INVALID_ARGUMENT
    assert status(lambda: read(sdk, "strict@master:/missing")) == grpc.StatusCode.NOT_FOUND
    # ModifyFile must start with set_commit.
    ops = iter([pfs.ModifyFileRequest(add_file=pfs.AddFile(path="/x", raw=b"x"))])
    assert status(lambda: sdk.pfs.modify_file(ops)) == grpc.StatusCode.INVALID_ARGUMENT
    # A finished commit takes no writes.
    assert status(lambda: sdk.pfs.put_file_from_bytes(commit=c, path="/late.txt", data=b"late")) == grpc.StatusCode.FAILED_PRECONDITION
    # A message over the server's 64 MiB limit is refused, and nothing of it is committed.
    big = b"\0" * (65 << 20)
    ops = iter([pfs.ModifyFileRequest(set_commit=pfs.Commit.from_uri("strict@master")),
                pfs.ModifyFileRequest(add_file=pfs.AddFile(path="/huge", raw=big))])
    assert status(lambda: sdk.pfs.modify_file(ops)) in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAVAILABLE,
                                                        grpc.StatusCode.INTERNAL, grpc.StatusCode.CANCELLED)
    assert [f.file.path for f in sdk.pfs.list_file(file=pfs.File.from_uri("strict@master:/"))] == ["/keep.txt"]
    assert len(list(sdk.pfs.list_commit(repo=repo))) == 1
    assert sdk.get_version().major == 2


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    gw = Gateway(_binary(), tmp_path_factory.mktemp("sdk-auth"))
    gw.start()
    yield gw
    assert gw.stop() == 0


def test_auth_activate_robot_token_and_calls_with_and_without_it(auth_server, tmp_path):
    anon = Client(host="127.0.0.1", port=auth_server.grpc_port)
    with pytest.raises(AuthServiceNotActivated):
        anon.auth.who_am_i()
    root_token = anon.auth.activate().pach_token
    assert len(root_token) == 64

    assert status(lambda: anon.pfs.list_repo()) == grpc.StatusCode.UNAUTHENTICATED
    bad = Client(host="127.0.0.1", port=auth_server.grpc_port, auth_token="0" * 64)
    assert status(lambda: bad.pfs.list_repo()) == grpc.StatusCode.UNAUTHENTICATED

    root = Client(host="127.0.0.1", port=auth_server.grpc_port, auth_token=root_token)
    assert root.auth.who_am_i().username == "pach:root"
    robot_token = root.auth.get_robot_token(robot="ci").token
    robot = Client(host="127.0.0.1", port=auth_server.grpc_port, auth_token=robot_token)
    assert robot.auth.who_am_i().username == "robot:ci"
    robot.pfs.create_repo(repo=pfs.Repo.from_uri("secured"))
    robot.pfs.put_file_from_bytes(commit=pfs.Commit.from_uri("secured@master"), path="/s.txt", data=b"secret")
    assert read(robot, "secured@master:/s.txt") == b"secret"
    assert status(lambda: robot.auth.get_robot_token(robot="other")) == grpc.StatusCode.PERMISSION_DENIED

    # The token store is the S3 gateway's: the robot token signs S3 requests.
    s3 = boto3.client("s3", endpoint_url=auth_server.endpoint, region_name="us-east-1", aws_access_key_id=robot_token,
                      aws_secret_access_key=robot_token, config=Config(s3={"addressing_style": "path"}))
    assert s3.get_object(Bucket="master.secured", Key="s.txt")["Body"].read() == b"secret"

    root.auth.deactivate()
    assert [r.repo.name for r in anon.pfs.list_repo()] == ["secured"]
