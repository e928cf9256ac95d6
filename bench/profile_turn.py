"""Where the time of a turn goes: samples running Python processes with py-spy and prints the
functions that take the most time, and the time by library (the innermost known library of
each sample: a JSON encoding called by SQLAlchemy counts as JSON).

`bench/load.py --profile` records the two Rasa servers and the action server during a
saturation run; alone: `.venv/bin/python bench/profile_turn.py --pid PID [--seconds 20]`.
py-spy comes with the bench extra (`pip install -e '.[bench]'`); it reads the process's
memory with ptrace, which needs root or `kernel.yama.ptrace_scope=0`. Only busy moments are
sampled (idle threads are left out), so the shares are of the time the process computed.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RATE = 100  # samples a second

# (pattern in the file name, library); the first pattern that matches a frame names it.
LIBRARIES = [
    ("/sqlalchemy/", "SQLAlchemy (tracker store)"),
    ("/psycopg2/", "psycopg2 (tracker store)"),
    ("/psycopg/", "psycopg 3 (queue)"),
    ("/redis/", "redis (lock store)"),
    ("/aiohttp/", "aiohttp (HTTP client/server)"),
    ("/sanic/", "sanic (HTTP server)"),
    ("/sanic_routing/", "sanic (HTTP server)"),
    ("/json/", "json"),
    ("/ujson", "json"),
    ("/structlog/", "logging"),
    ("/logging/", "logging"),
    ("/tensorflow/", "TensorFlow"),
    ("/keras/", "TensorFlow"),
    ("/sklearn/", "scikit-learn/NumPy/SciPy (NLU)"),
    ("/scipy/", "scikit-learn/NumPy/SciPy (NLU)"),
    ("/numpy/", "scikit-learn/NumPy/SciPy (NLU)"),
    ("/rasa/nlu/", "Rasa NLU components"),
    ("/rasa/core/policies/", "Rasa policies"),
    ("/rasa/shared/core/trackers", "Rasa trackers/events"),
    ("/rasa/shared/core/events", "Rasa trackers/events"),
    ("/rasa/shared/core/domain", "Rasa domain"),
    ("/rasa/shared/core/slots", "Rasa trackers/events"),
    ("/rasa/core/tracker_store", "Rasa tracker store"),
    ("/rasa/engine/", "Rasa graph engine"),
    ("/rasa/core/actions/", "Rasa actions"),
    ("/rasa/", "Rasa (other)"),
    ("/rasa_sdk/", "rasa-sdk (action server)"),
    ("/copy.py", "copy/deepcopy"),
    ("/yaml/", "PyYAML"),
    ("/ruamel/", "ruamel.yaml"),
    ("/pydantic/", "pydantic"),
    ("/jsonschema/", "jsonschema"),
    (f"{ROOT}/bot/", "project: bot/"),
    (f"{ROOT}/actions/", "project: actions/"),
    (f"{ROOT}/intake/", "project: intake/"),
    (f"{ROOT}/db/", "project: db/"),
    ("/asyncio/", "asyncio/uvloop"),
    ("uvloop", "asyncio/uvloop"),
]


# Leaf frames where a process waits for its event loop (in C, so py-spy cannot tell idle).
WAITING = ("serve (sanic/server/runners.py", "select (selectors.py", "_PollLikeSelector.select",
           "EpollSelector.select", "_run_once (asyncio/base_events.py", "run_forever (")


@dataclass
class Profile:
    name: str
    seconds: float
    samples: int = 0
    self_time: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    libraries: Counter[str] = field(default_factory=Counter)

    waiting: int = 0

    @property
    def busy(self) -> int:
        return self.samples - self.waiting

    @property
    def busy_share(self) -> float:
        return self.busy / (RATE * self.seconds) if self.seconds else 0.0

    def summary(self, top: int = 15) -> dict:
        def shares(counter: Counter[str]) -> list[tuple[str, float]]:
            return [(k, round(v / max(1, self.busy), 3)) for k, v in counter.most_common(top)]
        return {"process": self.name, "seconds": self.seconds, "samples": self.samples,
                "busy_samples": self.busy, "busy_share": round(self.busy_share, 2),
                "shares_of": "busy samples", "by_library": shares(self.libraries),
                "self": shares(self.self_time),
                "inclusive_rasa_and_project": shares(Counter({
                    k: v for k, v in self.inclusive.items()
                    if "/rasa/" in k or str(ROOT) in k or "redis_lock" in k}))}


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("py-spy is missing: `.venv/bin/pip install -e '.[bench]'`")
    return found


def start_recording(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds)),
         "--rate", str(RATE), "--format", "raw", "--full-filenames", "--function",
         "--nonblocking", "--subprocesses", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def read(name: str, raw: Path, seconds: float) -> Profile:
    """Collapsed stacks ("frame;frame;… count", root first) into a Profile."""
    profile = Profile(name, seconds)
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        # --subprocesses puts 'process PID:"command line"' frames first.
        raw_frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not raw_frames:
            continue
        frames = [_short(f) for f in raw_frames]
        profile.samples += n
        if frames[-1].startswith(WAITING):
            profile.waiting += n
            continue
        profile.self_time[frames[-1]] += n
        for frame in set(frames):
            profile.inclusive[frame] += n
        profile.libraries[_library(raw_frames)] += n
    return profile


def _library(frames: list[str]) -> str:
    for frame in reversed(frames):
        for pattern, library in LIBRARIES:
            if pattern in frame:
                return library
    return "other"


def _short(frame: str) -> str:
    """"save (/…/site-packages/rasa/core/tracker_store.py:1090)" → "save (rasa/core/tracker_store.py:1090)"."""
    head, _, tail = frame.partition(" (")
    for marker in ("site-packages/", "lib/python3.1", str(ROOT) + "/"):
        if marker in tail:
            path = tail.split(marker, 1)[1]
            if marker.startswith("lib/python"):
                path = path.split("/", 1)[1] if "/" in path else path
            return f"{head} ({path}"
    return frame


def record(pids: dict[str, int], seconds: float, directory: Path) -> list[Profile]:
    """Records every process for `seconds` at once; waits for them."""
    recordings = {}
    for name, pid in pids.items():
        raw = directory / f"profile-{name}.txt"
        recordings[name] = (raw, start_recording(pid, seconds, raw))
    return finish(recordings, seconds)


def finish(recordings: dict[str, tuple[Path, subprocess.Popen[bytes]]],
           seconds: float) -> list[Profile]:
    profiles = []
    for name, (raw, process) in recordings.items():
        try:
            _, err = process.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        if not raw.exists():
            raise RuntimeError(f"py-spy did not record {name}: {err.decode(errors='replace')[-300:]}")
        profiles.append(read(name, raw, seconds))
    return profiles


def print_profile(profile: Profile, top: int = 12) -> None:
    if not profile.busy:
        print(f"\n{profile.name}: no busy samples")
        return
    busy = profile.busy
    print(f"\n{profile.name}: computing {100 * profile.busy_share:.0f} % of {profile.seconds:.0f} s "
          f"({busy} of {profile.samples} samples; the rest waited in the event loop); "
          "shares of the computing time:")
    print("  by library (innermost known frame):")
    for library, n in profile.libraries.most_common(top):
        print(f"    {100 * n / busy:5.1f} %  {library}")
    print("  functions, self time:")
    for frame, n in profile.self_time.most_common(top):
        print(f"    {100 * n / busy:5.1f} %  {frame}")
    print("  Rasa's and the project's functions, including what they call:")
    shown = 0
    for frame, n in profile.inclusive.most_common():
        if ("rasa" in frame or "bot/" in frame or "actions/" in frame) and n < 0.97 * busy:
            print(f"    {100 * n / busy:5.1f} %  {frame}")
            shown += 1
            if shown == top + 8:
                break


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    import tempfile
    with tempfile.TemporaryDirectory(prefix="profile-") as directory:
        [profile] = record({str(args.pid): args.pid}, args.seconds, Path(directory))
    print_profile(profile, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
