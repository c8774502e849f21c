"""The command line: validate, build, new, schema, preview, inspect."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

import click

from . import TARGET_NAMES, __version__
from .diagnostics import (Report, display_path, format_github, format_json, format_text,
                          human_size, plural)

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
DEFAULT_COURSES = Path("courses")


def _use_color(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _course_folders(paths: tuple[Path, ...]) -> list[Path]:
    from .load.discover import find_courses
    roots = list(paths) or [DEFAULT_COURSES]
    if not paths and not DEFAULT_COURSES.is_dir():
        raise click.UsageError("no PATH given and there is no ./courses folder here")
    folders = find_courses(roots)
    if not folders:
        shown = ", ".join(display_path(p) for p in roots)
        raise click.UsageError(f"no course.yaml found in {shown}")
    return folders


def _describe(course) -> str:
    lessons = course.lessons
    quizzes = sum(1 for lesson in lessons if lesson.quiz is not None)
    videos = sum(1 for lesson in lessons if lesson.video is not None)
    return (f"{plural(len(course.modules), 'module')}, {plural(len(lessons), 'lesson')} "
            f"({plural(quizzes, 'quiz', 'quizzes')}, {plural(videos, 'video')}), "
            f"{plural(len(course.references), 'reference')}")


def _print_report(report: Report, fmt: str, courses: list[str], stream, quiet: bool) -> None:
    if fmt == "json":
        click.echo(format_json(report, courses), file=stream)
    elif fmt == "github":
        click.echo(format_github(report, len(courses)), file=stream)
    elif report.items or not quiet:
        text = format_text(report, len(courses), color=_use_color(stream))
        click.echo(text, file=stream)


def _remember(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    settings = ctx.find_root().ensure_object(dict)
    settings[param.name] = settings.get(param.name, False) or value


def verbosity(command):
    """-q/--quiet and -v/--verbose, accepted before or after the command name."""
    command = click.option("-q", "--quiet", is_flag=True, expose_value=False,
                           callback=_remember, help="Print only problems.")(command)
    return click.option("-v", "--verbose", is_flag=True, expose_value=False,
                        callback=_remember, help="Print more about what is done.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coursepack")
@verbosity
def main() -> None:
    """Turn course sources (YAML + Markdown) into SCORM packages."""


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]),
                      default="text", show_default=True, help="How to print diagnostics.")
PATHS = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))


@main.command("validate")
@verbosity
@PATHS
@FORMAT
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_context
def validate_cmd(ctx: click.Context, paths: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Check course sources and report every problem found.

    PATH is a course folder, its course.yaml, or a folder of courses (default: ./courses)."""
    from . import cache, parallel, units
    from .buildjob import same_ids
    from .pipeline import check
    report = Report()
    folders = _course_folders(paths)
    for found in same_ids(folders).values():
        report.extend(found)
    default_cache = Path("build") / ".cache"
    cache.use(default_cache if default_cache.is_dir() else None)  # reuse what builds stored
    verbose = ctx.find_root().obj.get("verbose") and not ctx.find_root().obj.get("quiet")
    for folder in folders:
        started = time.perf_counter()
        with units.kept(folder), parallel.allowed(parallel.cores()):
            checked = check(folder, report, for_build=False)
        if verbose and checked.course is not None:
            click.echo(f"checked {display_path(folder)}: {_describe(checked.course)} in "
                       f"{time.perf_counter() - started:.2f} s", err=True)
    _print_report(report, fmt, [display_path(f) for f in folders], sys.stdout,
                  ctx.find_root().obj.get("quiet"))
    ctx.exit(EXIT_INVALID if report.fails(strict) else EXIT_OK)


@main.command("build")
@verbosity
@PATHS
@click.option("--target", "targets", multiple=True,
              type=click.Choice(TARGET_NAMES),
              help="Package to make (repeatable). Default: the course's `targets:`, "
                   "else scorm12.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build"), show_default=True, help="Folder for the packages.")
@click.option("--control-files", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of SCORM schema files (.xsd/.dtd) to ship at the package root.")
@FORMAT
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes to use: courses built at once, or a lone course's work "
                   "shared (default: the CPU cores it may use).")
@click.option("--no-cache", is_flag=True,
              help="Build everything afresh, without reading or writing OUT/.cache.")
@click.pass_context
def build_cmd(ctx: click.Context, paths: tuple[Path, ...], targets: tuple[str, ...],
              out_dir: Path, control_files: Path | None, fmt: str, strict: bool,
              jobs: int | None, no_cache: bool) -> None:
    """Validate and package courses (default: every course under ./courses into ./build).

    A course with errors is not packaged; nothing half-written is ever left. A course
    whose sources have not changed since its last build into the same folder is not built
    again."""
    from .buildjob import Job, run_all
    from .parallel import cores
    from .sourcedate import source_date_epoch
    try:
        source_date_epoch()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    quiet = ctx.find_root().obj.get("quiet")
    folders = _course_folders(paths)
    controls = control_files.resolve() if control_files else None
    work = [Job(folder, tuple(dict.fromkeys(targets)), out_dir, controls, strict, not no_cache)
            for folder in folders]
    tty = sys.stderr.isatty() and not quiet and len(work) > 1

    def progress(n: int, total: int, folder: Path) -> None:
        click.echo(f"\r[{n}/{total}] {display_path(folder)}\x1b[K", file=sys.stderr,
                   nl=n == total)

    outcomes = run_all(work, jobs or cores(), progress if tty else None)
    report = Report()
    written: list[Path] = []
    for outcome in outcomes:
        report.extend(outcome.diagnostics)
        written += outcome.written
    _print_report(report, fmt, [display_path(f) for f in folders], sys.stderr, quiet)
    if not quiet:
        for job, outcome in zip(work, outcomes):
            if ctx.find_root().obj.get("verbose"):
                # with the 'built' lines: the diagnostics' stream may be a JSON report
                click.echo(f"{display_path(job.folder)}: "
                           f"{'unchanged since the last build' if outcome.reused else 'built'}"
                           f" in {outcome.seconds:.2f} s")
            for path in outcome.written:
                note = " (unchanged)" if outcome.reused else ""
                if path.is_dir():
                    click.echo(f"built {display_path(path)}/ (folder){note}")
                else:
                    size = human_size(path.stat().st_size)
                    click.echo(f"built {display_path(path)} ({size}){note}")
    ctx.exit(EXIT_INVALID if report.fails(strict) else EXIT_OK)


@main.command("new")
@verbosity
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--title", help="Course title (default: from the folder name).")
@click.option("--language", default="en", show_default=True,
              help="BCP 47 language tag of the content, e.g. en-GB.")
@click.pass_context
def new_cmd(ctx: click.Context, folder: Path, title: str | None, language: str) -> None:
    """Create a course in FOLDER that validates and builds at once."""
    import re

    from .scaffold import ScaffoldError, create
    from .schema import LANGUAGE_PATTERN
    if not re.fullmatch(LANGUAGE_PATTERN, language):
        raise click.BadParameter(f"'{language}' is not a BCP 47 language tag (e.g. en, en-GB)",
                                 param_hint="--language")
    if title is not None:
        problem = _title_problem(title)
        if problem:
            raise click.BadParameter(problem, param_hint="--title")
    try:
        written = create(folder, title, language)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from exc
    if not ctx.find_root().obj.get("quiet"):
        click.echo(f"created {display_path(folder)}/ ({len(written)} files)")
        click.echo(f"next: coursepack preview {shlex.quote(display_path(folder))}")


def _title_problem(title: str) -> str:
    """What course.yaml's checks would say of a title given on the command line."""
    from .schema import COURSE, UNHOLDABLE
    limit = COURSE.fields["title"].type.max_length
    if not title.strip():
        return "the title is empty"
    if limit and len(title) > limit:
        return f"the title is {len(title)} characters long, the limit is {limit}"
    if UNHOLDABLE.search(title):
        return "the title holds a control character, which pages and manifests cannot hold"
    return ""


@main.command("schema")
@verbosity
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path(".coursepack/schemas"), show_default=True,
              help="Folder for the JSON Schema files.")
@click.pass_context
def schema_cmd(ctx: click.Context, out_dir: Path) -> None:
    """Write JSON Schemas of course.yaml, lesson front matter and quiz files for editors.

    Point a YAML file at one with a first line such as
    `# yaml-language-server: $schema=.coursepack/schemas/course.schema.json`."""
    from .jsonschema_export import write_schemas
    try:
        written = write_schemas(out_dir)
    except OSError as exc:
        raise click.UsageError(f"cannot write {display_path(out_dir)}: "
                               f"{exc.strerror or exc}") from None
    for path in written:
        if not ctx.find_root().obj.get("quiet"):
            click.echo(f"wrote {display_path(path)}")


@main.command("preview")
@verbosity
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open/--no-open", "open_browser", default=True, show_default=True,
              help="Open the course in the default browser.")
def preview_cmd(path: Path | None, port: int, open_browser: bool) -> None:
    """Serve a course on 127.0.0.1 and rebuild it whenever a source file changes. PATH: the
    course folder or its course.yaml (default: the one course under ./courses)."""
    from .preview import serve
    folders = _course_folders((path,) if path is not None else ())
    if len(folders) > 1:
        raise click.UsageError("preview shows one course; name one of: "
                               + ", ".join(display_path(f) for f in folders))
    path = folders[0]
    try:
        serve(path, port, open_browser, echo=click.echo, color=_use_color(sys.stdout))
    except OSError as exc:
        raise click.UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from exc


@main.command("inspect")
@verbosity
@click.argument("zip_path", metavar="ZIP",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--schemas", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of SCORM XSDs to check the manifest against (read offline; "
                   "default: the XSDs the package ships).")
@FORMAT
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_context
def inspect_cmd(ctx: click.Context, zip_path: Path, schemas: Path | None, fmt: str,
                strict: bool) -> None:
    """Check a SCORM 1.2 or 2004 zip from any tool before uploading it to an LMS."""
    from .inspect import inspect_zip, render
    result = inspect_zip(zip_path, schemas)
    text = render(result, fmt, color=_use_color(sys.stdout),
                  quiet=bool(ctx.find_root().obj.get("quiet")))
    if text:
        click.echo(text)
    ctx.exit(EXIT_INVALID if result.report.fails(strict) else EXIT_OK)


def run() -> None:
    """The `coursepack` console command (and `python -m coursepack`).

    A build makes hundreds of thousands of short-lived objects and few reference cycles, so
    the cyclic collector runs less often. And once the command has finished, every output
    file is closed and renamed into place: the process leaves at once instead of tearing the
    interpreter down object by object, which takes tens of milliseconds. An unexpected
    exception still ends in Python's usual way."""
    import gc
    gc.set_threshold(50_000, 20, 20)
    try:
        main(prog_name="coursepack")
        code = EXIT_OK
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = EXIT_OK
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = EXIT_INVALID
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):     # a reader that went away, a closed stream
            pass
    os._exit(code)
