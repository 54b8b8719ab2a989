"""Check the dependency layer Chalice builds from requirements.txt: `python -m layers.check [PACKAGE_DIR]`.

`automatic_layer` (`.chalice/config.json`) makes Chalice pack requirements.txt, plus `vendor/` (our
`functions/` package, which the top-level layout keeps outside `chalicelib/`), into one managed
layer shared by every function. This checks the layer `chalice package` wrote to PACKAGE_DIR (or
packages the `dev` stage into a temporary folder first):

1. it holds exactly the pinned distributions: a new transitive dependency must be pinned too;
2. TextBlob's sentiment, boto3, feedparser, nltk and requests import from the layer alone
   (`python -S`, `NLTK_DATA` an empty folder: the PatternAnalyzer behind `TextBlob(text).sentiment`
   reads only `textblob/en/en-sentiment.xml`, no NLTK corpora);
3. it prints the zipped and unzipped sizes (Lambda's limit: 250 MB unzipped, function and layers).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
LAYER_ZIP = "layer-deployment.zip"  # what `chalice package` names the managed layer
SITE_PACKAGES = "python/lib/python3.11/site-packages"  # where Lambda's python3.11 runtime looks in a layer

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


def installed(site: Path) -> dict[str, str]:
    """`name → version` of every distribution in a site-packages folder."""
    found = {}
    for info in site.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        project = re.search(r"^Name: (.+)$", metadata, re.MULTILINE)
        version = re.search(r"^Version: (.+)$", metadata, re.MULTILINE)
        if project and version:
            found[normalize(project.group(1).strip())] = version.group(1).strip()
    return found


def probe(site: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as empty:
        env = {"PATH": os.environ.get("PATH", ""), "NLTK_DATA": empty, "HOME": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        result = subprocess.run(  # noqa: S603 (our interpreter and probe)
            [sys.executable, "-S", "-B", "-c", PROBE, str(site)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the layer does not import on its own:\n{result.stderr}")
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def package(out: Path, stage: str = "dev") -> Path:
    """`chalice package --stage <stage> out`; returns the folder."""
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    subprocess.run([str(chalice), "package", "--stage", stage, str(out)], cwd=ROOT, env=env, check=True, timeout=900)  # noqa: S603
    return out


def check(package_dir: Path, unpack_to: Path, requirements: Path = REQUIREMENTS) -> dict[str, object]:
    """Unpack the managed layer into `unpack_to` and check it; returns its figures."""
    layer = package_dir / LAYER_ZIP
    with zipfile.ZipFile(layer) as archive:
        entries = archive.infolist()
        archive.extractall(unpack_to)
    site = unpack_to / SITE_PACKAGES
    wanted, got = pins(requirements), installed(site)
    if got != wanted:
        extra = {k: v for k, v in got.items() if wanted.get(k) != v}
        missing = {k: v for k, v in wanted.items() if got.get(k) != v}
        raise RuntimeError(f"the layer holds other than the pins: unpinned/different {extra}, missing {missing}")
    return {
        "site_packages": str(site),
        "zipped_bytes": layer.stat().st_size,
        "unzipped_bytes": sum(e.file_size for e in entries),
        "files": len(entries),
        "probe": probe(site),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package_dir", nargs="?", type=Path, help="a `chalice package` output (default: package now)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mentiondesk-layer-") as work:
        package_dir = args.package_dir or package(Path(work) / "package")
        result = check(package_dir, Path(work) / "opt")
    mib = 1024 * 1024
    print(
        f"layer: zipped {int(str(result['zipped_bytes'])) / mib:.1f} MiB, "
        f"unzipped {int(str(result['unzipped_bytes'])) / mib:.1f} MiB, {result['files']} files"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
