"""Random calls of the Pachyderm API through the real SDK (`pachyderm-sdk`) against a server of its own: odd names,
paths, globs, offsets, counts and refs for every RPC pachs3 serves (seeded, so a failure reproduces). Every call must
succeed or fail with a status the SDK knows how to read, never INTERNAL, UNKNOWN or UNAVAILABLE, and the server must
be up and stop cleanly at the end. `PACHS3_FUZZ_SEED` and `PACHS3_FUZZ_CALLS` change the run."""
import os
import random

import grpc
import pytest
from pachyderm_sdk import Client
from pachyderm_sdk.api import pfs

from conftest import running_gateway

SEED = int(os.environ.get("PACHS3_FUZZ_SEED", "20261207"))
CALLS = int(os.environ.get("PACHS3_FUZZ_CALLS", "600"))
FINE = {
    grpc.StatusCode.OK, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
GOOD_NAMES = ["r", "s", "master", "dev", "a-b_c"]
ODD_NAMES = ["", "x" * 300, "é", "a.b", "a/b", "0123456789abcdef0123456789abcdef", "..", " "]
GOOD_PATHS = ["a", "/a", "dir/b", "dir/", "/dir/c.txt", "new", "é/ü"]
ODD_PATHS = ["", "/", "//", "a\x00b", "x" * 1100, "../a", "*", "[", "a/**"]
PATTERNS = ["*", "**", "/**", "a*", "*a*a*a*a*a*a*a*a*a*b", "[a-", "[!a]*", "\\", "?/?", "**/*.txt", "x" * 2000]
NUMBERS = [0, 1, -1, 5, 1 << 31, -(1 << 62), (1 << 63) - 1]


@pytest.fixture(scope="module")
def own_gateway():
    """A server of its own: if these calls bring one down, the other tests' server is not it."""
    yield from running_gateway("pachs3-grpcfuzz-")


def pick(rng: random.Random, good: list, odd: list):
    """Mostly a value that gets past validation, so the calls reach the engine; sometimes an odd one."""
    return rng.choice(good if rng.random() < 0.8 else odd)


def call(rng: random.Random, c: Client):
    project = pfs.Project(name=pick(rng, ["default"], ["", "nosuch", "é"]))
    repo = pfs.Repo(name=pick(rng, GOOD_NAMES, ODD_NAMES), type=pick(rng, ["user", ""], ["spec", "x"]), project=project)
    branch = pfs.Branch(repo=repo, name=pick(rng, GOOD_NAMES, ODD_NAMES))
    commit = pfs.Commit(repo=repo, id=pick(rng, GOOD_NAMES, ODD_NAMES + ["^", "~2"]), branch=branch if rng.random() < 0.7 else None)
    file = pfs.File(commit=commit, path=pick(rng, GOOD_PATHS, ODD_PATHS))
    n = rng.choice(NUMBERS)
    kind = rng.randrange(20)
    if kind == 0:
        return c.pfs.create_repo(repo=repo, description=pick(rng, GOOD_NAMES, ODD_NAMES), update=rng.random() < 0.5)
    if kind == 1:
        return c.pfs.inspect_repo(repo=repo)
    if kind == 2:
        return c.pfs.delete_repo(repo=repo, force=rng.random() < 0.5)
    if kind == 3:
        return c.pfs.create_branch(branch=branch, head=commit if rng.random() < 0.5 else None, new_commit_set=rng.random() < 0.3)
    if kind == 4:
        return c.pfs.inspect_branch(branch=branch)
    if kind == 5:
        return c.pfs.delete_branch(branch=branch, force=rng.random() < 0.5)
    if kind == 6:
        return list(c.pfs.list_branch(repo=repo))
    if kind == 7:
        return c.pfs.start_commit(branch=branch, parent=commit if rng.random() < 0.3 else None, description="d")
    if kind == 8:
        return c.pfs.finish_commit(commit=commit, force=rng.random() < 0.5)
    if kind == 9:
        return c.pfs.inspect_commit(commit=commit)
    if kind == 10:
        return list(c.pfs.list_commit(repo=repo, number=n, reverse=rng.random() < 0.5))
    if kind == 11:
        return b"".join(m.value for m in c.pfs.get_file(file=file, offset=n))
    if kind == 12:
        return c.pfs.inspect_file(file=file)
    if kind == 13:
        return list(c.pfs.list_file(file=file, number=n, reverse=rng.random() < 0.5))
    if kind == 14:
        return list(c.pfs.glob_file(commit=commit, pattern=rng.choice(PATTERNS)))
    if kind == 15:
        return list(c.pfs.walk_file(file=file, number=n))
    if kind == 16:
        return list(c.pfs.diff_file(new_file=file, old_file=pfs.File(commit=commit, path=pick(rng, GOOD_PATHS, ODD_PATHS))))
    if kind == 17:
        with c.pfs.commit(branch=branch) as open_commit:
            open_commit.put_file_from_bytes(path=pick(rng, GOOD_PATHS, ODD_PATHS), data=rng.randbytes(rng.choice([0, 1, 100])),
                                            append=rng.random() < 0.5)
            if rng.random() < 0.3:
                open_commit.delete_file(path=pick(rng, GOOD_PATHS, ODD_PATHS))
        return None
    if kind == 18:
        return c.pfs.create_project(project=pfs.Project(name=pick(rng, GOOD_NAMES, ODD_NAMES)), description="p")
    return list(c.pfs.list_repo())


def test_random_sdk_calls_get_statuses_not_crashes(own_gateway):
    c = Client(host="127.0.0.1", port=own_gateway.grpc_port)
    # Something to find: a repo with a branch, a commit and files.
    c.pfs.create_repo(repo=pfs.Repo(name="r"))
    with c.pfs.commit(branch=pfs.Branch(repo=pfs.Repo(name="r"), name="master")) as open_commit:
        for path in ("a", "dir/b", "dir/c.txt"):
            open_commit.put_file_from_bytes(path=path, data=path.encode())
    rng = random.Random(SEED)
    bad = []
    codes: dict[str, int] = {}
    for i in range(CALLS):
        state = rng.getstate()
        try:
            call(rng, c)
            code = grpc.StatusCode.OK
        except grpc.RpcError as e:
            code = e.code()
        except (ValueError, TypeError):
            # The SDK refused to build the request (a name it checks itself): nothing reached the server.
            code = grpc.StatusCode.OK
        codes[code.name] = codes.get(code.name, 0) + 1
        if code not in FINE:
            bad.append((i, code.name, state[1][:2]))
        if own_gateway.proc.poll() is not None:
            break
    assert own_gateway.proc.poll() is None, "the server died:\n" + own_gateway.log_tail()
    assert [r.repo.name for r in c.pfs.list_repo()] is not None
    assert not bad, f"{len(bad)} calls ended badly (statuses {codes}): {bad[:10]}\n" + own_gateway.log_tail()
