"""Compile the Rasa training data for the compose `train` service (run in the bot's image).

The official Rasa image cannot read the guides (its Python environment pins pydantic 1), so the
bot's image compiles them exactly as `make train` does and writes, into the shared models
volume:

    <out>/data/*.yml      the NLU data (nlu/data + every entry's example questions)
    <out>/config.yml      the pipeline (config.yml)
    <out>/fingerprint     data + config hash: the model is named nlu-<fingerprint>.tar.gz

`docker/rasa/train.sh` then trains that model unless a verified one exists already.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from guides.issues import ContentError  # noqa: E402
from guides.loader import load_content  # noqa: E402
from nlu.training import compile_training_data, fingerprint  # noqa: E402


def prepare(content_dir: Path, out: Path) -> str:
    """Write the training data, the config and the fingerprint into `out`; return it."""
    content, _warnings = load_content(content_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = compile_training_data(content, PROJECT / "nlu" / "data", out / "data")
    config = PROJECT / "config.yml"
    fp = fingerprint(config, files)
    shutil.copyfile(config, out / "config.yml")
    staged = out / "fingerprint.tmp"
    staged.write_text(fp + "\n", encoding="ascii")
    staged.replace(out / "fingerprint")  # written last: the data above is complete
    return fp


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path,
                        default=PROJECT / os.environ.get("CONTENT_DIR", "content"))
    parser.add_argument("--out", type=Path, default=Path("/models/train"))
    args = parser.parse_args()
    try:
        fp = prepare(args.content, args.out)
    except ContentError as error:
        print("The content has errors; fix them and try again:", file=sys.stderr)
        for issue in error.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    print(f"Training data for nlu-{fp} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
