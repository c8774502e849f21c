"""Benchmark: coursepack against the floor (Jinja2 + a deflated zip, nothing else).

    .venv/bin/python bench/run.py [--runs 5] [--copies 20] [--parallel-runs 5] [--quick]
                                  [--instructions]

Times whole `coursepack` processes (median of --runs after a warm-up): full builds of the
example course and of a generated large course, a no-op rebuild, a rebuild after editing one
lesson, `validate` (where builds ran, reusing build/.cache, and in a folder without one), a
full build and a no-op rebuild of the example with a 64 MB video ("video" rows), and
`build -j 2` against `-j 1` on many copies of the large course (--parallel-runs pairs, in
turns; the median of each).
Wall and CPU seconds and peak memory come from wait4() of each child. The floor is a script
that renders the same pages with a precompiled Jinja2 template and writes them to a deflated
zip, run the same way, in turns with the full build it is compared with; the one-lesson
edit is likewise timed in turns with a full build, for its share of one. Prints a table,
then each performance goal with its measured figure, and writes bench/results.json.

With --instructions (and valgrind installed), the two full builds and their floors are also
run once each under valgrind's cachegrind, which counts the instructions executed: a figure
that, unlike wall time, does not drift with the machine's load, for comparing two versions
of coursepack on a busy or virtual machine. (The goals stay in wall time.) The builds are
counted with -j 1, all in one process: a forked child's count would start from its
parent's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLE = REPO / "courses" / "leadership-in-social-care"
sys.path.insert(0, str(HERE))
from make_course import generate  # noqa: E402

# The command as users run it: the console script next to this Python, else `python -m`.
_SCRIPT = Path(sys.executable).parent / "coursepack"
COURSEPACK = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "coursepack"]

FLOOR = r'''
import json, sys, zipfile
from jinja2 import Environment
data = json.load(open(sys.argv[1], encoding="utf-8"))
env = Environment(autoescape=True)
page = env.from_string("""<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ title }}</title><link rel="stylesheet" href="runtime/coursepack.css"></head><body>
<nav><ol>{% for l in lessons %}<li><a href="#lesson-{{ l.id }}">{{ l.title }}</a></li>{% endfor %}</ol></nav>
<main>{% for l in lessons %}<article id="lesson-{{ l.id }}"><h1>{{ l.title }}</h1>
{{ l.html | safe }}</article>{% endfor %}</main><script src="runtime/coursepack.js"></script>
</body></html>""")
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
    out.writestr("index.html", page.render(**data))
    for name, text in sorted(data["files"].items()):
        out.writestr(name, text.encode("latin-1"))
'''


# Children run as an installed tool runs for its users: with Python's bytecode files kept
# (a shell that sets PYTHONDONTWRITEBYTECODE would otherwise recompile every module of an
# editable install on every run, which no installed package does).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], cwd: Path | None = None) -> dict:
    """One child process: wall and CPU seconds, peak resident memory (MB), exit code."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=CHILD_ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
                         f"{proc.stderr.read().decode()}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024}


def median_of(runs: int, cmd: list[str], cwd=None) -> dict:
    """Warm-up run, then the median of `runs` runs."""
    measure(cmd, cwd)
    return median([measure(cmd, cwd) for _ in range(runs)])


def median(samples: list[dict]) -> dict:
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def in_turns(runs: int, *steps) -> list[list[dict]]:
    """Steps (each measures one run: a function of the run number) taken in turns, after a
    warm-up of each, so that a machine whose speed drifts shifts them alike and their ratios
    stay fair. The samples of each step."""
    for step in steps:
        step(-1)
    turns = [[step(i) for step in steps] for i in range(runs)]
    return [[turn[k] for turn in turns] for k in range(len(steps))]


def medians_side_by_side(runs: int, cmd: list[str], floor_cmd: list[str]) -> tuple[dict, dict]:
    """A command and the floor, run in turns: the median of each."""
    ours, floor = in_turns(runs, lambda i: measure(cmd), lambda i: measure(floor_cmd))
    return median(ours), median(floor)


def instructions(cmd: list[str]) -> int | None:
    """Instructions one run executes, counted by valgrind (None without valgrind)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run([valgrind, "--tool=cachegrind", "--cache-sim=no",
                           "--cachegrind-out-file=/dev/null", *cmd],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV,
                          text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    return int(found.group(1).replace(",", "")) if found else None


def floor_input(package: Path, work: Path) -> Path:
    """What the floor script renders: the same lessons (titles and HTML) and files."""
    import re
    with zipfile.ZipFile(package) as zf:
        page = zf.read("index.html").decode()
        files = {n: zf.read(n).decode("latin-1") for n in zf.namelist()
                 if n not in ("index.html", "imsmanifest.xml")}
    lessons = []
    for m in re.finditer(r'<article class="cp-lesson" id="lesson-([^"]+)".*?<h1[^>]*>(.*?)</h1>'
                         r'(.*?)</article>', page, re.S):
        lessons.append({"id": m.group(1), "title": m.group(2), "html": m.group(3)})
    data = {"lang": "en", "title": "Course", "lessons": lessons, "files": files}
    path = work / f"floor-{package.stem}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def package_figures(package: Path) -> dict:
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
        runtime = b"".join(zf.read(n) for n in names
                           if n.startswith("runtime/") and n.endswith((".js", ".css")))
    return {"zip_bytes": package.stat().st_size, "files": len(names),
            "runtime_bytes": len(runtime), "runtime_gzip_bytes": len(gzip.compress(runtime, 9))}


def first_heading_ms(package: Path, work: Path) -> dict | None:
    """Learner side: from loading the launch page to the first lesson's heading on screen,
    beside the same figure for a blank page (what the browser itself takes)."""
    chromium = os.environ.get("COURSEPACK_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    with zipfile.ZipFile(package) as zf:
        zf.extractall(site)
    blank = work / "blank.html"
    blank.write_text("<!DOCTYPE html><title>t</title><h1>Heading</h1>", encoding="utf-8")
    times: dict[str, list[float]] = {"package": [], "blank": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        for _ in range(7):
            for name, url, heading in (
                    ("package", (site / "index.html").as_uri(),
                     "article.cp-lesson:not([hidden]) h1"),
                    ("blank", blank.as_uri(), "h1")):
                page = browser.new_page()
                started = time.perf_counter()
                # from the start of navigation until the heading shows (not the load event,
                # which also waits for media the learner has not asked for)
                page.goto(url, wait_until="commit")
                page.locator(heading).first.wait_for(state="visible")
                times[name].append((time.perf_counter() - started) * 1000)
                page.close()
        browser.close()
    return {name: statistics.median(t) for name, t in times.items()}


def targets(r: dict, edit_share: float) -> list[tuple[str, str, bool]]:
    """The performance goals, each with what was measured and whether it was met."""
    ex, lg = r["example"], r["large"]
    ratio_ex = ex["build"]["wall"] / ex["floor"]["wall"]
    ratio_lg = lg["build"]["wall"] / lg["floor"]["wall"]
    pk = lg["package"]
    return [
        ("example full build <= 2.5x floor", f"{ratio_ex:.2f}x", ratio_ex <= 2.5),
        ("large full build <= 2.5x floor", f"{ratio_lg:.2f}x", ratio_lg <= 2.5),
        ("large full build < 0.6 s", f"{lg['build']['wall']:.2f} s", lg["build"]["wall"] < 0.6),
        ("no-op rebuild <= 0.15 s", f"{lg['noop']['wall']:.3f} s", lg["noop"]["wall"] <= 0.15),
        ("one-lesson edit <= 40% of full build", f"{edit_share:.0%}", edit_share <= 0.4),
        ("peak memory, large build <= 80 MB", f"{lg['build']['peak_mb']:.0f} MB",
         lg["build"]["peak_mb"] <= 80),
        ("runtime JS+CSS <= 40 KB", f"{pk['runtime_bytes']} B", pk["runtime_bytes"] <= 40960),
        ("-j 2 >= 1.7x faster than -j 1", f"{r['parallel']['speedup']:.2f}x",
         r["parallel"]["speedup"] >= 1.7),
        ("validate large <= 0.3 s", f"{lg['validate']['wall']:.3f} s",
         lg["validate"]["wall"] <= 0.3),
        ("validate large, no cache <= 0.3 s", f"{lg['validate_no_cache']['wall']:.3f} s",
         lg["validate_no_cache"]["wall"] <= 0.3),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="coursepack benchmark")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="fewer copies for -j (6)")
    parser.add_argument("--parallel-runs", type=int, default=5,
                        help="pairs of -j 1 and -j 2 builds, run in turns (median of each)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the instructions of each full build and its floor "
                             "(valgrind; slow, but steady on a busy machine)")
    args = parser.parse_args()
    copies = 6 if args.quick else args.copies   # even: two workers get the same share
    work = Path(tempfile.mkdtemp(prefix="coursepack-bench-"))
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()}, "runs": args.runs}
    try:
        large = generate(work / "large", 1.0)
        rows, full_builds = [], {}
        for label, course in (("example", EXAMPLE), ("large", large)):
            out = work / f"out-{label}"

            def full(i, course=course, out=out):
                return COURSEPACK + ["build", "-q", "--no-cache", str(course), "--out", str(out)]
            measure(full(-1))                     # the package the floor renders again
            [package] = [p for p in out.glob("*.zip")]
            floor_data = floor_input(package, work)
            floor_cmd = [sys.executable, "-c", FLOOR, str(floor_data),
                         str(work / f"floor-{label}.zip")]
            build, floor = medians_side_by_side(args.runs, full(0), floor_cmd)
            full_builds[label] = full(0)
            rows.append((f"{label}: full build", build, floor))
            results[label] = {"build": build, "floor": floor, "package": package_figures(package)}
            if args.instructions:
                results[label]["instructions"] = {"build": instructions(full(0) + ["-j", "1"]),
                                                  "floor": instructions(floor_cmd)}

        # Rebuilds of the large course through the cache, in the folder a user would use.
        home = work / "home"
        home.mkdir()
        shutil.copytree(large, home / "course")
        cached = COURSEPACK + ["build", "-q", "course"]
        measure(cached, home)
        noop = median_of(args.runs, cached, home)
        lesson = home / "course" / "lessons" / "m03-l2.md"
        original = lesson.read_text(encoding="utf-8")

        def edit(i):
            lesson.write_text(original + f"\nEdit number {i + 2}.\n", encoding="utf-8")
            return measure(cached, home)
        # the edit's share of a full build: the two in turns
        edits, fulls = in_turns(args.runs, edit, lambda i: measure(full_builds["large"]))
        one_edit = median(edits)
        edit_share = one_edit["wall"] / median(fulls)["wall"]
        lesson.write_text(original, encoding="utf-8")
        measure(cached, home)
        # validate where the builds ran (it reuses ./build/.cache), and where none ran
        validate = median_of(args.runs, COURSEPACK + ["validate", "-q", "course"], home)
        elsewhere = work / "elsewhere"
        elsewhere.mkdir()
        validate_cold = median_of(args.runs, COURSEPACK + [
            "validate", "-q", str(home / "course")], elsewhere)
        floor_large = results["large"]["floor"]
        rows += [("large: no-op rebuild", noop, floor_large),
                 ("large: one-lesson edit", one_edit, floor_large),
                 ("large: validate", validate, floor_large),
                 ("large: validate, no cache", validate_cold, floor_large)]
        results["large"].update({"noop": noop, "one_lesson_edit": one_edit,
                                 "validate": validate, "validate_no_cache": validate_cold})

        # The example with a long video (64 MB that do not compress): stored in the zip as it
        # is, and not read again by a rebuild while it is unchanged.
        video_home = work / "video"
        shutil.copytree(EXAMPLE, video_home / "course")
        clip = next((video_home / "course" / "media").glob("*.webm"))
        noise = random.Random(9)
        with clip.open("wb") as f:      # a megabyte at a time: a child's peak memory (wait4)
            for _ in range(64):         # counts this process's own high-water mark
                f.write(noise.randbytes(1 << 20))
        video_full = median_of(args.runs, COURSEPACK + [
            "build", "-q", "--no-cache", "course", "--out", "fresh"], video_home)
        video_cached = COURSEPACK + ["build", "-q", "course"]
        measure(video_cached, video_home)
        # A package written in the last two seconds is read again to check it (its times may
        # not show a change yet); a rebuild comes later than that in practice.
        time.sleep(2.5)
        video_noop = median_of(args.runs, video_cached, video_home)
        results["video"] = {"video_bytes": clip.stat().st_size, "build": video_full,
                            "noop": video_noop}

        many = work / "many"
        for i in range(copies):
            target = many / f"copy{i:02d}"
            shutil.copytree(large, target)
            text = (target / "course.yaml").read_text().replace('"large-course"', f'"copy{i:02d}"')
            (target / "course.yaml").write_text(text)
        # -j 1 and -j 2 in turns, so that a drift of the machine's speed shifts both alike
        samples: dict[int, list[dict]] = {1: [], 2: []}
        for _ in range(args.parallel_runs):
            for jobs in (1, 2):
                out = work / f"many-j{jobs}"
                samples[jobs].append(measure(COURSEPACK + [
                    "build", "-q", "--no-cache", "-j", str(jobs), str(many), "--out", str(out)]))
        j = {jobs: median(runs) for jobs, runs in samples.items()}
        results["parallel"] = {"copies": copies, "runs": args.parallel_runs, "j1": j[1],
                               "j2": j[2], "speedup": j[1]["wall"] / j[2]["wall"],
                               "speedups": [a["wall"] / b["wall"]
                                            for a, b in zip(samples[1], samples[2])]}
        results["learner_first_heading_ms"] = {
            label: first_heading_ms(next((work / f"out-{label}").glob("*.zip")), work)
            for label in ("example", "large")}

        print(f"{'measure':28} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'x floor':>8}")
        for label, m, floor in rows:
            print(f"{label:28} {m['wall']:8.3f} {m['cpu']:8.3f} {m['peak_mb']:8.1f} "
                  f"{m['wall'] / floor['wall']:8.2f}")
        for label in ("example", "large"):
            f = results[label]["floor"]
            print(f"{label + ': floor':28} {f['wall']:8.3f} {f['cpu']:8.3f} {f['peak_mb']:8.1f}")
        for label, key in (("example + 64 MB video: build", "build"),
                           ("example + 64 MB video: no-op", "noop")):
            m = results["video"][key]
            print(f"{label:28} {m['wall']:8.3f} {m['cpu']:8.3f} {m['peak_mb']:8.1f}")
        p = results["parallel"]
        print(f"-j 2 vs -j 1 on {copies} copies: {p['j1']['wall']:.2f} s / {p['j2']['wall']:.2f} s"
              f" = {p['speedup']:.2f}x (medians of {p['runs']}; each pair: "
              + ", ".join(f"{s:.2f}x" for s in p["speedups"]) + ")")
        for label in ("example", "large"):
            pk = results[label]["package"]
            print(f"{label} package: {pk['zip_bytes']} bytes zip, {pk['files']} files, runtime "
                  f"{pk['runtime_bytes']} bytes ({pk['runtime_gzip_bytes']} gzipped)")
        for label in ("example", "large"):
            counted = results[label].get("instructions") or {}
            if counted.get("build") and counted.get("floor"):
                print(f"{label}: full build {counted['build'] / 1e6:,.0f} M instructions, floor "
                      f"{counted['floor'] / 1e6:,.0f} M = {counted['build'] / counted['floor']:.2f}x")
            elif args.instructions:
                print(f"{label}: no instruction count (is valgrind installed?)")
        print(f"one-lesson edit / full build (in turns): {edit_share:.0%}")
        for label, learner in results["learner_first_heading_ms"].items():
            if learner is not None:
                print(f"learner, {label}: first lesson heading visible after "
                      f"{learner['package']:.0f} ms (Chromium, file://; a blank page's "
                      f"heading: {learner['blank']:.0f} ms)")
        results["targets"] = targets(results, edit_share)
        print()
        print(f"{'target':44} {'measured':>12}  met")
        for name, shown, met in results["targets"]:
            print(f"{name:44} {shown:>12}  {'yes' if met else 'NO'}")
        results["one_lesson_edit_share"] = edit_share
        (HERE / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        print(f"wrote {HERE / 'results.json'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
