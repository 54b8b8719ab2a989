"""Build the dependency layer reproducibly: `python layers/build.py [--out build/layer.zip]`.

The layer is the only carrier of the functions' third-party runtime dependencies: they are pinned
in `layers/requirements.txt` alone, and the app's `requirements.txt` lists none, so `chalice
package` puts only our code into the function zips.

1. `pip install` the fully pinned `layers/requirements.txt` as Lambda's python3.11 x86_64 runtime
   needs it (manylinux2014 wheels only, no sdists, no local compilers) into `python/`, the folder
   Lambda puts on `sys.path` from a layer (`/opt/python`);
2. fail if pip installed anything not pinned there (a new transitive dependency must be pinned);
3. slim it, conservatively: byte code, `bin/` console scripts, the packages' own test suites
   (never imported at run time), and the install-time noise in `*.dist-info` (RECORD, INSTALLER,
   REQUESTED, direct_url.json). Python modules are never removed: `import nltk` imports most of
   NLTK eagerly, so "unused" modules are not provably unused. TextBlob's `en/*` data stays whole;
4. check it: import TextBlob's sentiment (and boto3, feedparser, nltk, requests) from the built
   folder alone (`python -S`) with `NLTK_DATA` pointing at an empty folder: the PatternAnalyzer
   behind `TextBlob(text).sentiment` reads only `textblob/en/en-sentiment.xml`, no NLTK corpora;
5. zip deterministically: sorted entries, fixed timestamps and permissions, so the same pins give
   the same bytes and `infra/deploy.py` can key the upload by its SHA-256;
6. print zipped and unzipped sizes and the SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIREMENTS = HERE / "requirements.txt"
DEFAULT_OUT = ROOT / "build" / "layer.zip"
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.11"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

TEST_DIRS = {"test", "tests"}  # whole folders under a package: the package's own test suite
NOISE_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}  # in *.dist-info only

PROBE = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from textblob import TextBlob
polarity = TextBlob("The pizza was great, but delivery was terrible").sentiment.polarity
import boto3, feedparser, nltk, requests
outside = [m.__name__ for m in (boto3, feedparser, nltk, requests) if not m.__file__.startswith(sys.argv[1])]
corpora = [p for p in nltk.data.path if os.path.isdir(p) and os.listdir(p)]
assert not outside and not corpora, (outside, corpora)
print(json.dumps({"polarity": polarity}))
"""


def normalize(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()


def pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """`name → version` of a requirements file whose every line is `name==version` (or a comment)."""
    found: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        project, sep, version = line.partition("==")
        if not sep or not version or any(c in version for c in "<>=!~*, "):
            raise ValueError(f"{path.name}: not an exact pin: {raw!r}")
        found[normalize(project.split("[", 1)[0])] = version
    return found


def install(target: Path, requirements: Path = REQUIREMENTS) -> None:
    subprocess.run(  # noqa: S603 (our interpreter, our pinned file)
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            PYTHON_VERSION,
            "--only-binary=:all:",
            "--target",
            str(target),
            "-r",
            str(requirements),
        ],
        check=True,
    )


def installed(target: Path) -> dict[str, str]:
    found = {}
    for info in target.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        project = re.search(r"^Name: (.+)$", metadata, re.MULTILINE)
        version = re.search(r"^Version: (.+)$", metadata, re.MULTILINE)
        if project and version:
            found[normalize(project.group(1).strip())] = version.group(1).strip()
    return found


def slim(target: Path) -> list[str]:
    """Remove what no import needs; returns the removed paths (relative), for the record."""
    removed: list[str] = []

    def drop(path: Path) -> None:
        removed.append(path.relative_to(target).as_posix())
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    for path in sorted(target.rglob("*"), reverse=True):  # children before parents
        if not path.exists():
            continue
        relative = path.relative_to(target)
        if (
            (path.is_dir() and (path.name == "__pycache__" or (path.name in TEST_DIRS and len(relative.parts) >= 2)))
            or (path.is_file() and path.suffix in {".pyc", ".pyo"})
            or (path.is_file() and path.parent.name.endswith(".dist-info") and path.name in NOISE_FILES)
        ):
            drop(path)
    if (target / "bin").is_dir():
        drop(target / "bin")
    return removed


def check(target: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as empty:
        env = {"PATH": os.environ.get("PATH", ""), "NLTK_DATA": empty, "HOME": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        probe = subprocess.run(  # noqa: S603 (our interpreter and probe)
            [sys.executable, "-S", "-B", "-c", PROBE, str(target)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if probe.returncode != 0:
        raise RuntimeError(f"the layer does not import on its own:\n{probe.stderr}")
    result: dict[str, object] = json.loads(probe.stdout.strip().splitlines()[-1])
    return result


def deterministic_zip(source: Path, out: Path) -> None:
    """`source/` → `out` under `python/`, sorted, with fixed times and permissions."""
    out.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in source.rglob("*") if p.is_file())
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"python/{path.relative_to(source).as_posix()}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permissions below are honoured
            info.external_attr = (0o100755 if os.access(path, os.X_OK) else 0o100644) << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)


def sizes(zip_path: Path) -> tuple[int, int, int]:
    with zipfile.ZipFile(zip_path) as archive:
        entries = archive.infolist()
        return zip_path.stat().st_size, sum(e.file_size for e in entries), len(entries)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(out: Path = DEFAULT_OUT, requirements: Path = REQUIREMENTS, verify: bool = True) -> dict[str, object]:
    wanted = pins(requirements)
    with tempfile.TemporaryDirectory(prefix="mentiondesk-layer-") as work:
        target = Path(work) / "python"
        install(target, requirements)
        got = installed(target)
        if got != wanted:
            extra = {k: v for k, v in got.items() if wanted.get(k) != v}
            missing = {k: v for k, v in wanted.items() if got.get(k) != v}
            raise RuntimeError(f"pip installed other than the pins: unpinned/different {extra}, missing {missing}")
        unzipped_before = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
        removed = slim(target)
        probe = check(target) if verify else {}
        deterministic_zip(target, out)
    zipped, unzipped, count = sizes(out)
    return {
        "out": str(out),
        "sha256": sha256(out),
        "zipped_bytes": zipped,
        "unzipped_bytes": unzipped,
        "unzipped_bytes_before_slimming": unzipped_before,
        "files": count,
        "removed": len(removed),
        "probe": probe,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--requirements", type=Path, default=REQUIREMENTS)
    parser.add_argument("--no-verify", action="store_true", help="skip the import check (cross-platform hosts)")
    args = parser.parse_args(argv)
    result = build(args.out, args.requirements, verify=not args.no_verify)
    mib = 1024 * 1024
    print(
        f"layer: {result['out']}  zipped {int(str(result['zipped_bytes'])) / mib:.1f} MiB, "
        f"unzipped {int(str(result['unzipped_bytes'])) / mib:.1f} MiB "
        f"(before slimming {int(str(result['unzipped_bytes_before_slimming'])) / mib:.1f} MiB), "
        f"{result['files']} files, sha256 {result['sha256']}"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
