"""The build cache and parallel builds change how fast, never what is built."""

import hashlib
import os
import pickle
import re
import shutil
import time

from conftest import EXAMPLE, MINIMAL, in_own_process, outputs, write_course
from test_references import citing_course


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unchanged_course_is_not_rebuilt_and_edits_are(tmp_path, cli):
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    out = tmp_path / "out"
    first = cli("build", course, "--out", out)
    assert first.exit_code == 0 and "(unchanged)" not in first.output
    zip_path = out / "leadership-in-social-care-scorm12.zip"
    before = digest(zip_path)
    again = cli("build", course, "--out", out)
    assert again.exit_code == 0 and "(unchanged)" in again.output
    assert digest(zip_path) == before

    lesson = course / "lessons" / "leading-with-hope.md"
    lesson.write_text(lesson.read_text() + "\nOne more sentence.\n")
    edited = cli("build", course, "--out", out)
    assert edited.exit_code == 0 and "(unchanged)" not in edited.output
    clean = cli("build", course, "--out", tmp_path / "clean", "--no-cache")
    assert clean.exit_code == 0
    assert digest(zip_path) == digest(tmp_path / "clean" / zip_path.name) != before

    zip_path.unlink()                      # an output that went missing is made again
    assert "(unchanged)" not in cli("build", course, "--out", out).output
    assert digest(zip_path) == digest(tmp_path / "clean" / zip_path.name)


def _same_as_clean(cli, course, out, clean, zip_name="tiny-scorm12.zip"):
    """A build into out (reusing its cache) says and makes what a clean build says and
    makes; returns the kept build's output."""
    kept = cli("build", course, "--out", out)
    fresh = cli("build", course, "--out", clean, "--no-cache")
    assert kept.exit_code == fresh.exit_code, (kept.output, fresh.output)
    assert kept.output.replace(str(out), "OUT").replace(" (unchanged)", "") == \
        fresh.output.replace(str(clean), "OUT")
    if fresh.exit_code == 0:
        assert digest(out / zip_name) == digest(clean / zip_name)
    shutil.rmtree(clean, ignore_errors=True)
    return kept.output


def test_files_in_hidden_folders_and_where_links_point_count_as_the_course(tmp_path, cli):
    """A lesson or image in a hidden folder, and a symbolic link pointed elsewhere (even at a
    file with the same bytes, or outside the course), change the build as they change a
    clean one; a file in a version-control folder may not be used at all."""
    files = dict(MINIMAL)
    files["course.yaml"] = MINIMAL["course.yaml"].replace("lessons/two.md", ".drafts/two.md")
    files[".drafts/two.md"] = MINIMAL["lessons/two.md"].replace("(one.md)", "(../lessons/one.md)")
    files["lessons/one.md"] = MINIMAL["lessons/one.md"] + "\n        ![A chart](pic.png)\n"
    course = write_course(tmp_path / "course", files)
    for name in ("a", "b"):
        (course / name).mkdir()
        (course / name / "chart.png").write_bytes(b"the same picture")
    (course / ".img").mkdir()
    (course / ".img" / "chart.png").write_bytes(b"a hidden picture")
    (course / "lessons" / "pic.png").symlink_to("../a/chart.png")
    out, clean = tmp_path / "out", tmp_path / "clean"
    _same_as_clean(cli, course, out, clean)
    two = course / ".drafts" / "two.md"
    edits = [
        lambda: two.write_text(two.read_text().replace("Back to", "Return to")),
        lambda: (course / "lessons" / "pic.png").unlink() or
        (course / "lessons" / "pic.png").symlink_to("../b/chart.png"),       # same bytes
        lambda: (course / "lessons" / "pic.png").unlink() or
        (course / "lessons" / "pic.png").symlink_to("../.img/chart.png"),
        lambda: (course / ".img" / "chart.png").write_bytes(b"another hidden picture"),
        lambda: (course / "lessons" / "pic.png").unlink() or
        (course / "lessons" / "pic.png").symlink_to(tmp_path / "elsewhere.png"),
    ]
    (tmp_path / "elsewhere.png").write_bytes(b"a hidden picture")
    for n, edit in enumerate(edits):
        edit()
        said = _same_as_clean(cli, course, out, clean)
        assert "(unchanged)" not in said, n
    assert "path-outside-course" in said
    (course / "lessons" / "pic.png").unlink()
    (course / "lessons" / "pic.png").symlink_to("../.img/chart.png")
    folder_link = course / "lessons" / "pictures"              # a linked folder, pointed
    folder_link.symlink_to("../a")                             # elsewhere
    files_one = (course / "lessons" / "one.md").read_text()
    (course / "lessons" / "one.md").write_text(files_one + "\n![Again](pictures/chart.png)\n")
    _same_as_clean(cli, course, out, clean)
    folder_link.unlink()
    folder_link.symlink_to("../b")
    assert "(unchanged)" not in _same_as_clean(cli, course, out, clean)

    (course / ".git").mkdir()
    (course / ".git" / "chart.png").write_bytes(b"kept by git")
    (course / "lessons" / "one.md").write_text(files_one + "\n![Git](../.git/chart.png)\n")
    said = _same_as_clean(cli, course, out, clean)
    assert "one.md:11:8: error[path-in-vcs-folder]: image '../.git/chart.png' is inside " \
        "the version-control folder '.git'" in said


def test_a_link_to_a_listed_lesson_that_fails_is_judged_by_whether_the_file_is_there(
        tmp_path, cli):
    course = write_course(tmp_path / "c", MINIMAL)
    out, clean = tmp_path / "out", tmp_path / "clean"
    assert cli("build", course, "--out", out).exit_code == 0
    (course / "course.yaml").write_text((course / "course.yaml").read_text().replace(
        "- lessons/two.md", "- lessons/two.md\n      - lessons/extra.md"))
    (course / "lessons" / "one.md").write_text("---\ntitle: One\n---\nSee [extra](extra.md).\n")
    assert "link target 'extra.md' does not exist" in _same_as_clean(cli, course, out, clean)
    (course / "lessons" / "extra.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    said = _same_as_clean(cli, course, out, clean)
    assert "yaml-syntax" in said and "link target" not in said
    (course / "lessons" / "extra.md").unlink()
    assert "link target 'extra.md' does not exist" in _same_as_clean(cli, course, out, clean)


def test_validate_and_a_failed_build_keep_what_only_a_build_uses(tmp_path, cli,
                                                                 monkeypatch):
    """They run only some stages: the results of the others (page sections, transcripts)
    stay for the next build; a build that packaged the course keeps only what it used."""
    monkeypatch.chdir(tmp_path)
    course = write_course(tmp_path / "c", MINIMAL)
    assert cli("build", course).exit_code == 0
    [kept] = (tmp_path / "build" / ".cache" / "lessons").iterdir()

    def keys():
        return set(pickle.loads(kept.read_bytes()[32:]))
    built = keys()
    lesson = course / "lessons" / "one.md"
    lesson.write_text(lesson.read_text() + "\nMore.\n")
    assert cli("validate", course).exit_code == 0
    assert keys() > built
    two = course / "lessons" / "two.md"
    good = two.read_text()
    two.write_text("---\ntitle: [\n---\n")                              # an error
    assert cli("build", course).exit_code == 1
    assert keys() > built
    two.write_text(good)
    assert cli("build", course).exit_code == 0
    assert not keys() > built and len(keys()) <= len(built) + 2


def test_a_course_keeps_one_result_of_its_citations(tmp_path, cli):
    course = citing_course(tmp_path)
    out = tmp_path / "out"
    lesson = course / "lessons" / "one.md"
    for n in range(4):
        lesson.write_text(lesson.read_text() + f"\nAgain [@west2019, p. {n + 1}].\n")
        assert cli("build", course, "--out", out).exit_code == 0
    assert len(list((out / ".cache" / "citations").iterdir())) == 1


def test_an_unchanged_build_lists_the_packages_in_the_order_it_built_them(tmp_path, cli):
    course = write_course(tmp_path / "c", MINIMAL)
    out = tmp_path / "out"
    targets = ["--target", "web", "--target", "scorm2004", "--target", "scorm12"]
    first = cli("build", course, "--out", out, *targets).output
    again = cli("build", course, "--out", out, *targets).output
    assert again.count("(unchanged)") == 4 and again.replace(" (unchanged)", "") == first


def test_files_in_an_output_folder_inside_the_course_count_but_packages_do_not(tmp_path,
                                                                                cli):
    """A course may use a file that sits in its own output folder: a change to it is a
    change to the course. What builds write there (packages, the cache) is not."""
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\n---\n![A picture](../out/pic.png)\n"
    course = write_course(tmp_path / "course", files)
    out, clean = course / "out", tmp_path / "clean"
    out.mkdir()
    (out / "pic.png").write_bytes(b"\x89PNG red")
    assert cli("build", course, "--out", out).exit_code == 0
    assert "(unchanged)" in cli("build", course, "--out", out).output
    (out / "pic.png").write_bytes(b"\x89PNG blue")
    assert "(unchanged)" not in _same_as_clean(cli, course, out, clean)
    (out / "pic.png").unlink()
    assert "error[missing-file]" in _same_as_clean(cli, course, out, clean)
    (course / "lessons" / "one.md").write_text("---\ntitle: One\n---\nText.\n")
    assert cli("build", course, "--out", course).exit_code == 0       # into the course itself
    assert "(unchanged)" in cli("build", course, "--out", course).output


def test_editors_scratch_files_change_nothing_and_may_not_be_used(tmp_path, cli):
    """Swap, lock and backup files and folder settings, which editors and file managers
    write while an author works, leave the course as it was built; a lesson may not use one."""
    course = write_course(tmp_path / "course", MINIMAL)
    out, clean = tmp_path / "out", tmp_path / "clean"
    assert cli("build", course, "--out", out).exit_code == 0
    lessons = course / "lessons"
    for name in (".one.md.swp", "one.md~", "#two.md#", ".DS_Store"):
        (lessons / name).write_bytes(b"scratch")
    (course / ".DS_Store").write_bytes(b"settings")
    (lessons / ".#one.md").symlink_to("someone@host.1234")     # emacs's lock: a dangling link
    assert "(unchanged)" in cli("build", course, "--out", out).output
    (lessons / "chart.png~").write_bytes(b"an old picture")
    one = lessons / "one.md"
    one.write_text(one.read_text() + "\n![Old](chart.png~)\n")
    said = _same_as_clean(cli, course, out, clean)
    assert "one.md:9:8: error[path-is-scratch-file]: image 'chart.png~' has the name of " \
        "an editor's or file manager's scratch file" in said


def test_a_named_pipe_in_the_course_folder_is_not_read(tmp_path, cli):
    """Reading a named pipe blocks until someone writes to it: the build's fingerprint of
    the folder notes it without opening it."""
    import signal
    course = write_course(tmp_path / "course", MINIMAL)
    os.mkfifo(course / "notes.fifo")
    os.mkfifo(course / "lessons" / "also.fifo")
    class Blocked(Exception):          # not an OSError, which the build would take in its stride
        pass

    def blocked(*_):
        raise Blocked("the build blocked reading a named pipe")
    before = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(30)            # a blocked read would otherwise hang the suite
    try:
        first = cli("build", course, "--out", tmp_path / "out")
        again = cli("build", course, "--out", tmp_path / "out")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert first.exit_code == 0 and "(unchanged)" in again.output


def test_a_package_changed_since_its_build_is_built_again_without_reading_it_back(
        tmp_path, cli, monkeypatch):
    """Whether the last build's packages are still in place is told by their files' inode,
    size and times: a build neither reads its zip back nor, when nothing changed, reads it
    at all. A zip or a file of the web folder overwritten, even to its old size and
    modification time, is made again."""
    import builtins
    import io
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    out = tmp_path / "out"
    opened = []
    real_open = io.open

    def counting_open(file, *args, **kwargs):
        mode = args[0] if args else kwargs.get("mode", "r")
        if isinstance(file, (str, os.PathLike)) and str(out) in os.path.realpath(file) \
                and ".cache" not in str(file) and mode in ("r", "rb"):
            opened.append(os.path.basename(file))       # read
        return real_open(file, *args, **kwargs)
    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(builtins, "open", counting_open)

    def built(*more) -> bool:
        result = cli("build", course, "--out", out, "--target", "scorm12", "--target", "web",
                     *more)
        assert result.exit_code == 0, result.output
        return "(unchanged)" not in result.output

    assert built()
    zip_path = out / "leadership-in-social-care-scorm12.zip"
    page = out / "leadership-in-social-care-web" / "index.html"
    assert zip_path.name not in opened and "index.html" not in opened   # written, not read
    assert not built() and opened == []
    first = zip_path.read_bytes()

    for changed in (zip_path, page):
        st = changed.stat()
        with real_open(changed, "r+b") as f:         # the same size, the same mtime
            f.write(b"X")
        os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert changed.stat().st_size == st.st_size
        assert built(), changed.name
        assert zip_path.read_bytes() == first and not page.read_bytes().startswith(b"X")
        assert not built()


def test_a_build_reads_each_course_file_once(tmp_path, cli, monkeypatch):
    """The cache's digests read the course; the build then uses those bytes rather than
    reading every file a second time."""
    import builtins
    import io
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    opened = []
    real_open = io.open

    inside = os.path.join(os.path.realpath(course), "")

    def counting_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and \
                os.path.realpath(file).startswith(inside):
            opened.append(os.path.realpath(file)[len(inside):])
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.chdir(tmp_path)
    assert cli("build", "course", "--out", tmp_path / "out").exit_code == 0
    files = sorted(p.relative_to(course).as_posix() for p in course.rglob("*") if p.is_file())
    assert sorted(opened) == files


def test_a_large_unchanged_file_is_not_read_again(tmp_path, cli, monkeypatch):
    """A video's digest is remembered with its size, inode and times once it has settled;
    a rebuild then does not read it. Rewritten, even with its size and modification time
    as they were, it is read and packaged again."""
    import builtins
    import io
    import zipfile

    from coursepack import cache
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    video = next((course / "media").glob("*.webm"))
    video.write_bytes(os.urandom(3 << 20))
    out = tmp_path / "out"
    assert cli("build", course, "--out", out).exit_code == 0
    assert not (out / ".cache" / "files").exists()       # just written: not trusted yet

    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    assert cli("build", course, "--out", out).exit_code == 0
    opened = []
    real_open = io.open

    def counting_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)):
            opened.append(os.path.realpath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(builtins, "open", counting_open)
    again = cli("build", course, "--out", out)
    assert again.exit_code == 0 and "(unchanged)" in again.output
    zip_path = out / "leadership-in-social-care-scorm12.zip"
    assert str(video.resolve()) not in opened and str(zip_path.resolve()) not in opened

    stat = video.stat()
    new = os.urandom(3 << 20)
    video.write_bytes(new)
    os.utime(video, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = cli("build", course, "--out", out)
    assert edited.exit_code == 0 and "(unchanged)" not in edited.output
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.read(f"assets/media/{video.name}") == new


def test_cached_citations_give_the_same_pages(tmp_path, cli):
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    assert cli("build", course, "--out", tmp_path / "a").exit_code == 0
    # a change elsewhere: the citations come from the cache this time
    (course / "lessons" / "systems-leaders.md").write_text(
        (course / "lessons" / "systems-leaders.md").read_text() + "\nAnother line.\n")
    assert list((tmp_path / "a" / ".cache" / "citations").iterdir())
    assert cli("build", course, "--out", tmp_path / "a").exit_code == 0
    assert cli("build", course, "--out", tmp_path / "b", "--no-cache").exit_code == 0
    name = "leadership-in-social-care-scorm12.zip"
    assert digest(tmp_path / "a" / name) == digest(tmp_path / "b" / name)


def test_citations_are_written_again_when_what_they_read_changes(tmp_path, cli):
    """The stored citations are reused only while the references, the citations and the
    style are as they were: after each of these edits, a build through the cache makes what
    a clean build makes."""
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    refs = course / "references.txt"
    lesson = course / "lessons" / "compassionate-resilient-networks.md"
    edits = [
        lambda: refs.write_text(refs.read_text().replace("Compassion: Your greatest",
                                                         "Kindness: Your greatest")),
        lambda: lesson.write_text(lesson.read_text().replace("[@lsbu2021]",
                                                             "[@lsbu2021, p. 12]")),
        lambda: lesson.write_text(lesson.read_text().replace("[@tupper2021; @jolliff2019]",
                                                             "[see @tupper2021; @jolliff2019]")),
        lambda: (course / "course.yaml").write_text((course / "course.yaml").read_text(
            ).replace("citation_style: cite-them-right-harvard", "citation_style: ieee")),
    ]
    name = "leadership-in-social-care-scorm12.zip"
    assert cli("build", course, "--out", tmp_path / "kept").exit_code == 0
    for n, edit in enumerate(edits):
        before = digest(tmp_path / "kept" / name)
        edit()
        assert cli("build", course, "--out", tmp_path / "kept").exit_code == 0, n
        assert cli("build", course, "--out", tmp_path / f"clean{n}", "--no-cache"
                   ).exit_code == 0, n
        assert digest(tmp_path / "kept" / name) == digest(tmp_path / f"clean{n}" / name) \
            != before, n


def test_a_course_with_the_id_of_another_is_not_built(tmp_path, cli, monkeypatch):
    """Packages are named by the course id: of two courses with one id, the first is built
    and the second gets an error, whatever the number of processes (which used to make
    either one's package, by turns)."""
    monkeypatch.chdir(tmp_path)
    first = write_course(tmp_path / "courses" / "a", MINIMAL)
    files = dict(MINIMAL)
    files["lessons/one.md"] = MINIMAL["lessons/one.md"] + "\n        Only in b.\n"
    write_course(tmp_path / "courses" / "b", files)
    other = dict(MINIMAL)
    other["course.yaml"] = MINIMAL["course.yaml"].replace("id: tiny", "id: other")
    write_course(tmp_path / "courses" / "c", other)
    assert cli("build", first, "--out", "alone").exit_code == 0
    for jobs in ("1", "2", "3", "2"):
        done = cli("build", "-j", jobs, "--out", f"out{jobs}")
        assert done.exit_code == 1, done.output
        assert "courses/b/course.yaml:1:5: error[duplicate-id]: course id 'tiny' is also " \
            "another course's id" in done.output
        assert "hint: the first use is at courses/a/course.yaml:1:5" in done.output
        assert outputs(tmp_path / f"out{jobs}") == ["other-scorm12.zip", "tiny-scorm12.zip"]
        assert digest(tmp_path / f"out{jobs}" / "tiny-scorm12.zip") == \
            digest(tmp_path / "alone" / "tiny-scorm12.zip")
    checked = cli("validate")
    assert checked.exit_code == 1 and "courses/b/course.yaml:1:5: error[duplicate-id]" in \
        checked.output


def test_a_worker_that_dies_is_an_error_of_the_courses_it_left_not_a_traceback(
        request, tmp_path, cli, monkeypatch):
    if not in_own_process(request):
        return
    from coursepack import buildjob
    real_run = buildjob.run

    def run(job):                      # the pool's workers are forked: they run this
        if job.folder.name == "beta":
            os._exit(9)                # as the out-of-memory killer would end it
        return real_run(job)
    monkeypatch.setattr(buildjob, "run", run)
    for name in ("alpha", "beta", "gamma"):
        files = dict(MINIMAL)
        files["course.yaml"] = MINIMAL["course.yaml"].replace("id: tiny", f"id: {name}")
        write_course(tmp_path / "courses" / name, files)
    result = cli("build", tmp_path / "courses", "--out", tmp_path / "out", "-j", "2")
    assert result.exit_code == 1 and "Traceback" not in result.output
    stopped = re.findall(r"courses/(\w+)/course.yaml: error\[build-stopped\]", result.output)
    assert "beta" in stopped
    built = [name for name in ("alpha", "gamma") if name not in stopped]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.zip")) == [
        f"{name}-scorm12.zip" for name in built]
    assert f"{len(stopped)} error" in result.output.splitlines()[-1 - len(built)]


def test_ctrl_c_in_a_parallel_build_stops_it_whole_and_quietly(request, tmp_path, cli,
                                                               monkeypatch, capfd):
    """The workers leave Ctrl+C to the parent: the courses under way are finished, the rest
    are not started, and no worker prints a traceback."""
    if not in_own_process(request):
        return
    import signal
    from coursepack import buildjob
    real_run = buildjob.run

    def run(job):                      # the pool's workers are forked: they run this
        if job.folder.name == "c1":
            os.kill(os.getppid(), signal.SIGINT)     # Ctrl+C, as the parent gets it
            time.sleep(0.5)
        return real_run(job)
    monkeypatch.setattr(buildjob, "run", run)
    for n in range(6):
        files = dict(MINIMAL)
        files["course.yaml"] = MINIMAL["course.yaml"].replace("id: tiny", f"id: c{n}")
        write_course(tmp_path / "courses" / f"c{n}", files)
    result = cli("build", tmp_path / "courses", "--out", tmp_path / "out", "-j", "2")
    assert result.exit_code == 1 and "Aborted!" in result.output
    assert "Traceback" not in capfd.readouterr().err
    made = sorted(p.name for p in (tmp_path / "out").iterdir() if p.name != ".cache")
    assert "c1-scorm12.zip" in made and len(made) < 6       # finished, and the rest not begun
    assert all(re.fullmatch(r"c\d-scorm12\.zip", name) for name in made), made


def test_parallel_builds_keep_diagnostics_in_order(tmp_path, cli):
    for name in ("alpha", "beta", "gamma"):
        files = dict(MINIMAL)
        files["course.yaml"] = MINIMAL["course.yaml"].replace("id: tiny", f"id: {name}")
        if name == "beta":
            files["lessons/one.md"] = "---\ntitle: One\nminutes: many\n---\n"
        if name == "gamma":
            files["lessons/two.md"] = "---\ntitle: Two\n---\n# Level one\n"
        write_course(tmp_path / "courses" / name, files)
    serial = cli("build", tmp_path / "courses", "--out", tmp_path / "one", "-j", "1", "--no-cache")
    parallel = cli("build", tmp_path / "courses", "--out", tmp_path / "two", "-j", "2",
                   "--no-cache")
    assert serial.exit_code == parallel.exit_code == 1
    def strip(text):
        return text.replace(str(tmp_path / "one"), "OUT").replace(str(tmp_path / "two"), "OUT")
    assert strip(serial.output) == strip(parallel.output)
    lines = parallel.output.splitlines()
    assert lines.index(next(l for l in lines if "beta/lessons/one.md" in l)) < \
        lines.index(next(l for l in lines if "gamma/lessons/two.md" in l))
    assert "1 error, 1 warning in 3 courses" in parallel.output
    assert outputs(tmp_path / "two") == ["alpha-scorm12.zip", "gamma-scorm12.zip"]
    for name in ("alpha-scorm12.zip", "gamma-scorm12.zip"):
        assert digest(tmp_path / "one" / name) == digest(tmp_path / "two" / name)


def test_lesson_results_kept_between_builds_never_change_the_outcome(tmp_path, cli,
                                                                     monkeypatch):
    """After each edit, a build that reuses every untouched lesson's results says and makes
    exactly what a clean build says and makes."""
    files = dict(MINIMAL)
    files["lessons/one.md"] = MINIMAL["lessons/one.md"] + "\n        ![A chart](chart.png)\n"
    files["lessons/chart.png"] = "not really a png, but a file"
    files["lessons/three.md"] = "---\ntitle: Third\n---\n# A level-one heading\n"
    files["course.yaml"] = MINIMAL["course.yaml"].replace(
        "              - lessons/two.md", "              - lessons/two.md\n"
        "              - lessons/three.md")
    course = write_course(tmp_path / "course", files)
    one, two = course / "lessons" / "one.md", course / "lessons" / "two.md"
    edits = [
        lambda: None,
        lambda: one.write_text(one.read_text() + "\nOne more sentence.\n"),
        # the linked lesson gets another id: the link in two.md must follow it
        lambda: one.write_text(one.read_text().replace("title: First lesson",
                                                       "title: First lesson\nid: renamed")),
        lambda: (course / "lessons" / "chart.png").write_bytes(b"another image"),
        lambda: (course / "lessons" / "chart.png").unlink(),          # now an error
        lambda: (course / "lessons" / "chart.png").write_bytes(b"back again"),
        lambda: two.write_text(two.read_text().replace("one.md", "missing.md")),
        lambda: two.write_text(two.read_text().replace("missing.md", "one.md")),
    ]
    zip_name = "tiny-scorm12.zip"
    monkeypatch.chdir(tmp_path)            # `validate` reuses ./build/.cache
    for n, edit in enumerate(edits):
        edit()
        kept = cli("build", course, "--out", "build")
        clean = cli("build", course, "--out", tmp_path / f"clean{n}", "--no-cache")
        kept_text = kept.output.replace("build/", "OUT/").replace(" (unchanged)", "")
        assert kept_text == clean.output.replace(f"clean{n}/", "OUT/"), n
        assert kept.exit_code == clean.exit_code, n
        assert "heading-h1" in kept.output, n           # a kept lesson's warning is repeated
        if clean.exit_code == 0:
            assert digest(tmp_path / "build" / zip_name) == \
                digest(tmp_path / f"clean{n}" / zip_name), n
        assert (tmp_path / "build").is_dir(), kept.output
        checked = cli("validate", course)
        (tmp_path / "build").rename(tmp_path / "aside")
        fresh = cli("validate", course)    # no ./build/.cache to read
        (tmp_path / "aside").rename(tmp_path / "build")
        assert checked.exit_code == fresh.exit_code == clean.exit_code, n
        assert checked.output == fresh.output, n
    assert list((tmp_path / "build" / ".cache" / "lessons").iterdir())


def test_a_rebuild_writes_again_only_the_lesson_sections_that_changed(tmp_path, cli,
                                                                       monkeypatch):
    """With the default templates, each lesson's section of the page is kept between
    builds: an edit writes its own lesson's section again and no other; a citation that
    renumbers the citations of later lessons (a numeric style) writes theirs again too, and
    every package is the one a clean build makes."""
    import jinja2
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    yaml_file = course / "course.yaml"
    yaml_file.write_text(re.sub(r"(?m)^citation_style:.*$", "citation_style: ieee",
                                yaml_file.read_text()))
    written = []
    real_render = jinja2.Template.render

    def render(self, *args, **kwargs):
        if self.name == "lesson.html":
            written.append(kwargs["lesson"].id)
        return real_render(self, *args, **kwargs)
    monkeypatch.setattr(jinja2.Template, "render", render)
    out, name = tmp_path / "out", "leadership-in-social-care-scorm12.zip"

    def build_and_compare(n):
        written.clear()
        assert cli("build", course, "--out", out).exit_code == 0
        assert cli("build", course, "--out", tmp_path / f"clean{n}", "--no-cache"
                   ).exit_code == 0
        assert digest(out / name) == digest(tmp_path / f"clean{n}" / name), n
        return sorted(set(written))

    assert len(build_and_compare(0)) == 8               # every lesson, the first time
    hope = course / "lessons" / "leading-with-hope.md"
    hope.write_text(hope.read_text() + "\nOne more sentence.\n")
    assert build_and_compare(1) == ["leading-with-hope"]
    first = course / "lessons" / "what-is-leadership-in-care.md"
    first.write_text(first.read_text() + "\nAs the network's guide says [@lsbu2021].\n")
    renumbered = build_and_compare(2)
    assert "what-is-leadership-in-care" in renumbered
    assert "compassionate-resilient-networks" in renumbered   # its [n] changed


def test_damaged_cache_only_costs_time(tmp_path, cli):
    course = write_course(tmp_path / "course", MINIMAL)
    out = tmp_path / "out"
    assert cli("build", course, "--out", out).exit_code == 0
    assert cli("build", course, "--out", tmp_path / "clean", "--no-cache").exit_code == 0
    [kept] = (out / ".cache" / "lessons").iterdir()
    lesson = course / "lessons" / "one.md"
    for damage in (kept.read_bytes()[:40], b"not a pickle", pickle.dumps([1, 2]),
                   pickle.dumps({"key": b"junk"})):
        kept.write_bytes(damage)
        for record in (out / ".cache" / "builds").iterdir():
            record.write_text("{not json")
        lesson.write_text(lesson.read_text())          # same bytes: the output must match
        result = cli("build", course, "--out", out)
        assert result.exit_code == 0, result.output
        assert digest(out / "tiny-scorm12.zip") == digest(tmp_path / "clean" / "tiny-scorm12.zip")


def test_a_cache_entry_changed_since_it_was_written_is_not_used(tmp_path, cli):
    """Each entry carries the digest of its bytes: one changed where it still reads (a
    flipped letter in a kept lesson, in the kept citations) is a miss, not a wrong package."""
    course = citing_course(tmp_path)
    out, clean = tmp_path / "out", tmp_path / "clean"
    assert cli("build", course, "--out", out).exit_code == 0
    assert cli("build", course, "--out", clean, "--no-cache").exit_code == 0
    [name] = [p.name for p in out.glob("*.zip")]
    for kind, before, after in (("lessons", b"Compassion", b"COMPASSION"),
                                ("citations", b"West", b"Wets")):
        [entry] = (out / ".cache" / kind).iterdir()
        data = entry.read_bytes()
        assert before in data
        entry.write_bytes(data.replace(before, after))
        lesson = course / "lessons" / "two.md"
        lesson.write_text(lesson.read_text() + "\nOne more line.\n")
        assert cli("build", course, "--out", out).exit_code == 0
        assert cli("build", course, "--out", clean, "--no-cache").exit_code == 0
        assert digest(out / name) == digest(clean / name), kind


def test_preview_keeps_results_in_memory_and_serves_what_a_fresh_build_would(tmp_path):
    from coursepack.preview import Previewer
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    lesson = course / "lessons" / "leading-with-hope.md"
    original = lesson.read_text()
    preview = Previewer(course, echo=lambda text: None)
    assert preview.rebuild().ok
    edits = [original + "\nOne more sentence, citing [@bailey2019].\n",
             original.replace("##", "#", 1),                 # a warning appears
             original + "\n[a broken link](missing.md)\n",   # an error: the last build stays
             original]
    for text in edits:
        lesson.write_text(text)
        kept = preview.rebuild()
        fresh = Previewer(course, echo=lambda text: None).rebuild()
        assert (kept.ok, kept.problems) == (fresh.ok, fresh.problems)
        if fresh.ok:
            assert kept.files == fresh.files
    assert preview.kept["lessons"] and len(preview.kept["citations"]) <= 8
    assert not (course / "build").exists() and not (tmp_path / "build").exists()


def test_parallel_builds_keep_and_reuse_lesson_results(tmp_path, cli):
    for name in ("alpha", "beta", "gamma"):
        files = dict(MINIMAL)
        files["course.yaml"] = MINIMAL["course.yaml"].replace("id: tiny", f"id: {name}")
        write_course(tmp_path / "courses" / name, files)
    courses, out = tmp_path / "courses", tmp_path / "out"
    assert cli("build", courses, "--out", out, "-j", "2").exit_code == 0
    assert len(list((out / ".cache" / "lessons").iterdir())) == 3
    lesson = courses / "beta" / "lessons" / "two.md"
    lesson.write_text(lesson.read_text() + "\nA new line.\n")
    again = cli("build", courses, "--out", out, "-j", "2")
    assert again.exit_code == 0
    assert again.output.count("(unchanged)") == 2              # alpha and gamma
    assert cli("build", courses, "--out", tmp_path / "clean", "-j", "2",
               "--no-cache").exit_code == 0
    for name in ("alpha", "beta", "gamma"):
        zip_name = f"{name}-scorm12.zip"
        assert digest(out / zip_name) == digest(tmp_path / "clean" / zip_name)


def _counting_forks(monkeypatch) -> list[int]:
    """The pids of the children forked from here on."""
    forks = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid
    monkeypatch.setattr(os, "fork", fork)
    return forks


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_a_lone_course_shared_with_a_second_process_builds_and_says_the_same(
        tmp_path, cli, monkeypatch, request):
    """With -j 2 and one course, a forked child reads and parses some of the lessons,
    writes some of the reference entries and some of the page's lesson sections; what is
    built and said is what one process builds and says, warnings of the child's lessons
    included."""
    if not in_own_process(request):
        return
    from coursepack import bibliography, markdown, render
    from coursepack.load import course as course_loader
    monkeypatch.setattr(course_loader, "SHARED_LESSONS", 2)   # the example is small
    monkeypatch.setattr(markdown, "SHARED_LESSONS", 2)
    monkeypatch.setattr(bibliography, "SHARED_ENTRIES", 2)
    monkeypatch.setattr(render, "SHARED_SECTIONS", 2)
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    for lesson in (course / "lessons").glob("*.md"):
        lesson.write_text(lesson.read_text() + "\n# A second title\n\n#### A jump\n")
    forks = _counting_forks(monkeypatch)
    one = cli("build", course, "--out", tmp_path / "one", "-j", "1", "--no-cache")
    assert forks == []
    two = cli("build", course, "--out", tmp_path / "two", "-j", "2", "--no-cache")
    assert len(forks) == 4            # lessons read and parsed, entries and sections written
    assert all(_reaped(pid) for pid in forks)
    assert one.exit_code == two.exit_code == 0
    assert one.output.count("heading-h1") == one.output.count("heading-skip") == 5
    assert one.output.replace(str(tmp_path / "one"), "OUT") == \
        two.output.replace(str(tmp_path / "two"), "OUT")
    name = "leadership-in-social-care-scorm12.zip"
    assert digest(tmp_path / "one" / name) == digest(tmp_path / "two" / name)

    # with the cache: results made by the child are kept, and reused after an edit
    assert cli("build", course, "--out", tmp_path / "kept", "-j", "2").exit_code == 0
    lesson = course / "lessons" / "leading-with-hope.md"
    lesson.write_text(lesson.read_text() + "\nOne more sentence.\n")
    forks.clear()
    again = cli("build", course, "--out", tmp_path / "kept", "-j", "2")
    assert forks == [] and again.output.count("heading-skip") == 5   # one lesson to redo
    assert cli("build", course, "--out", tmp_path / "clean", "-j", "1", "--no-cache"
               ).exit_code == 0
    assert digest(tmp_path / "kept" / name) == digest(tmp_path / "clean" / name)


def test_sharing_gives_what_a_loop_gives(monkeypatch, request):
    if not in_own_process(request):
        return
    from coursepack import parallel
    here = os.getpid()
    forks = _counting_forks(monkeypatch)
    with parallel.allowed(2):
        for n in (0, 1, 2, 3, 4, 10, 101):
            assert parallel.share(lambda x: (x, x * x), list(range(n))) == \
                [(x, x * x) for x in range(n)]
        pids = parallel.share(lambda x: time.sleep(0.005) or os.getpid(), list(range(40)))
        mine = pids.count(here)             # this process's pieces lead, the child's follow
        assert 0 < mine < 40 and pids[:mine] == [here] * mine
        assert len(set(pids[mine:])) == 1 and here not in pids[mine:]
        assert parallel.share(lambda x: os.getpid(), list(range(10)), minimum=11) == [here] * 10
    assert parallel.share(lambda x: os.getpid(), list(range(10))) == [here] * 10
    assert all(_reaped(pid) for pid in forks)


def test_the_faster_process_takes_more_pieces_and_meanwhile_runs_beside_the_child(
        monkeypatch, request):
    """Nothing is split in advance: a child slowed down (here ten times) takes fewer pieces,
    and so does this process while it runs meanwhile(), which it does once, only when a
    child was forked."""
    if not in_own_process(request):
        return
    from coursepack import parallel
    here = os.getpid()
    forks = _counting_forks(monkeypatch)

    def piece(x):
        time.sleep(0.002 if os.getpid() == here else 0.02)
        return x, os.getpid()

    with parallel.allowed(2):
        done = parallel.share(piece, list(range(60)))
        assert [x for x, _ in done] == list(range(60))
        assert [pid for _, pid in done].count(here) >= 40
        calls = []
        done = parallel.share(piece, list(range(60)),
                              meanwhile=lambda: calls.append(time.sleep(1)))
        assert calls == [None] and [x for x, _ in done] == list(range(60))
        assert [pid for _, pid in done].count(here) <= 20    # the child worked meanwhile
        assert parallel.share(piece, list(range(60)), minimum=61,
                              meanwhile=lambda: calls.append(1)) == [(x, here) for x in range(60)]
        assert calls == [None]                             # no child: not called
    assert len(forks) == 2 and all(_reaped(pid) for pid in forks)


def test_ready_work_forks_before_its_first_piece(monkeypatch, request):
    """Work that needs no set-up (ready) has its child forked before the first piece: this
    process runs meanwhile() first and the first piece after it. Otherwise the first piece
    comes first, computed before the fork."""
    if not in_own_process(request):
        return
    from coursepack import parallel
    here = os.getpid()
    forks = _counting_forks(monkeypatch)
    with parallel.allowed(2):
        for ready in (True, False):
            seen = []                    # this process's own record of what it did, in order

            def piece(x):
                if os.getpid() == here:
                    seen.append(x)
                time.sleep(0.01)
                return x
            assert parallel.share(piece, list(range(6)), ready=ready,
                                  meanwhile=lambda: seen.append("meanwhile")) == list(range(6))
            assert seen[:2] == (["meanwhile", 0] if ready else [0, "meanwhile"]), ready
    assert len(forks) == 2 and all(_reaped(pid) for pid in forks)


def test_validate_says_the_same_with_and_without_a_cache(tmp_path, cli, monkeypatch):
    """`validate` with no cache to fill keeps no lesson's HTML, and says what it says with a
    cache."""
    course = tmp_path / "course"
    shutil.copytree(EXAMPLE, course)
    (course / "lessons" / "leading-with-hope.md").write_text(
        "---\ntitle: Hope\n---\n# Too high\n\n[gone](missing.md) <b>raw</b>\n")
    monkeypatch.chdir(tmp_path)
    assert cli("build", course).exit_code == 1              # fills ./build/.cache
    cached = cli("validate", course)
    shutil.rmtree(tmp_path / "build")
    fresh = cli("validate", course)
    assert fresh.exit_code == cached.exit_code == 1
    assert fresh.output == cached.output
    assert "heading-h1" in fresh.output and "missing.md" in fresh.output


def test_no_process_forks_while_sharing(request):
    """Work shared by a piece that is itself shared stays in the process that has it: the
    parent forks one child at a time, and a child never forks."""
    if not in_own_process(request):
        return
    from coursepack import parallel

    def piece(x):
        time.sleep(0.005)
        return os.getpid()

    with parallel.allowed(2):
        done = parallel.share(lambda x: set(parallel.share(piece, list(range(8)))),
                              list(range(20)))
    # the first piece is computed before the fork, so its own share may fork; no other can
    assert all(len(pids) == 1 for pids in done[1:])
    assert len(set().union(*done[1:])) == 2                 # this process and one child


def test_a_failing_child_leaves_its_part_to_the_parent(monkeypatch, request):
    if not in_own_process(request):
        return
    from coursepack import parallel
    here = os.getpid()

    def fragile(x):
        if os.getpid() != here:
            raise RuntimeError("only in the child")
        return x + 1

    def unpicklable(x):
        return lambda: x

    forks = _counting_forks(monkeypatch)
    with parallel.allowed(2):
        assert parallel.share(fragile, list(range(30))) == list(range(1, 31))
        assert [f() for f in parallel.share(unpicklable, list(range(30)))] == list(range(30))
        assert parallel.share(lambda x: os._exit(3) if os.getpid() != here else x,
                              list(range(30))) == list(range(30))
    assert len(forks) == 3 and all(_reaped(pid) for pid in forks)


def test_an_error_in_the_parent_stops_the_child(monkeypatch, request):
    if not in_own_process(request):
        return
    import threading

    import pytest

    from coursepack import parallel
    here = os.getpid()
    forks = _counting_forks(monkeypatch)

    def slow_child(x):
        if os.getpid() != here:
            time.sleep(60)
        if x == 2:
            raise ValueError("a bad lesson")
        return x

    with parallel.allowed(2):
        started = time.monotonic()
        with pytest.raises(ValueError):
            parallel.share(slow_child, list(range(10)))
        assert time.monotonic() - started < 30 and len(forks) == 1 and _reaped(forks[0])
        # a process with threads of its own never forks
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            assert parallel.share(lambda x: os.getpid(), list(range(10))) == [here] * 10
        finally:
            stop.set()
            thread.join()
    assert len(forks) == 1


def test_a_fork_refused_by_the_system_only_costs_time(monkeypatch, request):
    if not in_own_process(request):
        return
    from coursepack import parallel

    refused = []

    def no_fork():
        refused.append(True)
        raise BlockingIOError("Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    calls = []
    with parallel.allowed(2):
        assert parallel.share(lambda x: calls.append(x) or -x, list(range(9))) == \
            [-x for x in range(9)]
    assert refused == [True] and calls == list(range(9))    # each piece computed once


def _cgroups(root, memberships: str, files: dict[str, str]):
    (root / "proc" / "self").mkdir(parents=True)
    (root / "proc" / "self" / "cgroup").write_text(memberships)
    for name, text in files.items():
        path = root / "sys" / "fs" / "cgroup" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(root)


def test_a_pool_lends_idle_workers_to_the_courses_still_building():
    from coursepack.buildjob import Pool
    pool = Pool(workers=2, jobs=3)

    def lent(started, finished):
        pool.counts[0], pool.counts[1] = started, finished
        return pool.lent()
    assert lent(2, 0) == 0 and lent(2, 1) == 0     # a job waits: the idle worker takes it
    assert lent(3, 1) == 0                         # both workers busy
    assert lent(3, 2) == 1                         # the last course may use a second core
    pool = Pool(workers=4, jobs=4)
    assert lent(4, 2) == 1 and lent(4, 3) == 3 and lent(4, 1) == 0


def test_the_last_courses_of_a_parallel_build_share_their_work(tmp_path, cli, monkeypatch,
                                                                request):
    """-j 2 with three courses: once the third has started, a worker left without a course
    lends its core, and the course still building forks to share its work. The packages
    are those of a build on one core."""
    if not in_own_process(request):
        return
    import sys
    import time

    from coursepack import bibliography, buildjob, markdown, render
    real_run = buildjob.run

    def run(job):          # the third course starts its work once the other two are done
        deadline = time.monotonic() + 60
        while (job.folder.name == "c2" and buildjob._pool is not None
               and buildjob._pool.counts[1] < 2 and time.monotonic() < deadline):
            time.sleep(0.01)
        return real_run(job)
    monkeypatch.setattr(buildjob, "run", run)
    from coursepack.load import course as course_loader
    monkeypatch.setattr(course_loader, "SHARED_LESSONS", 2)   # the example is small
    monkeypatch.setattr(markdown, "SHARED_LESSONS", 2)
    monkeypatch.setattr(bibliography, "SHARED_ENTRIES", 2)
    monkeypatch.setattr(render, "SHARED_SECTIONS", 2)
    names = []
    for n in range(3):
        course = tmp_path / "courses" / f"c{n}"
        shutil.copytree(EXAMPLE, course)
        yaml = course / "course.yaml"
        yaml.write_text(yaml.read_text().replace("id: leadership-in-social-care",
                                                 f"id: course-{n}", 1))
        names.append(f"course-{n}-scorm12.zip")
    shares = tmp_path / "shares"
    real_fork = os.fork

    def fork():
        by_share = sys._getframe(1).f_code.co_filename.endswith("parallel.py")
        pid = real_fork()
        if pid and by_share:
            with open(shares, "a") as f:
                f.write(f"{os.getpid()}\n")
        return pid
    monkeypatch.setattr(os, "fork", fork)
    assert cli("build", tmp_path / "courses", "--out", tmp_path / "two", "-j", "2",
               "--no-cache").exit_code == 0
    assert shares.exists() and os.getpid() not in map(int, shares.read_text().split())
    shares.unlink()
    assert cli("build", tmp_path / "courses", "--out", tmp_path / "one", "-j", "1",
               "--no-cache").exit_code == 0
    assert not shares.exists()
    for name in names:
        assert digest(tmp_path / "one" / name) == digest(tmp_path / "two" / name)


def test_a_parallel_build_elsewhere_than_linux_lends_no_cores(tmp_path, cli, monkeypatch):
    """Only where workers are forked do they inherit the pool that lends cores; elsewhere
    the pool runs each course on its own, as before."""
    import sys

    from coursepack import buildjob
    for name in ("alpha", "beta", "gamma"):
        write_course(tmp_path / "courses" / name,
                     dict(MINIMAL, **{"course.yaml": MINIMAL["course.yaml"].replace(
                         "id: tiny", f"id: {name}")}))
    pools = []
    real_pool = buildjob.Pool
    monkeypatch.setattr(buildjob, "Pool", lambda *a: pools.append(a) or real_pool(*a))
    monkeypatch.setattr(sys, "platform", "darwin")
    result = cli("build", tmp_path / "courses", "--out", tmp_path / "out", "-j", "2")
    assert result.exit_code == 0, result.output
    assert pools == [] and outputs(tmp_path / "out") == [
        "alpha-scorm12.zip", "beta-scorm12.zip", "gamma-scorm12.zip"]
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli("build", tmp_path / "courses", "--out", tmp_path / "again", "-j", "2"
               ).exit_code == 0
    assert pools == [(2, 3)]


def test_a_container_cpu_quota_bounds_the_default_number_of_processes(tmp_path, monkeypatch):
    """-j defaults to the CPUs the process may use: its affinity, and no more than the
    tightest CFS quota of its control groups or their parents (v2 cpu.max, v1
    cfs_quota_us/cfs_period_us), rounded up."""
    from coursepack import parallel
    v2 = tmp_path / "v2"
    assert parallel.cpu_quota(_cgroups(v2, "0::/ci/job\n", {
        "cpu.max": "max 100000\n", "ci/cpu.max": "600000 100000\n",
        "ci/job/cpu.max": "150000 100000\n"})) == 2
    assert parallel.cpu_quota(_cgroups(tmp_path / "parent", "0::/ci/job\n", {
        "ci/cpu.max": "100000 100000\n", "ci/job/cpu.max": "max 100000\n"})) == 1
    assert parallel.cpu_quota(_cgroups(tmp_path / "none", "0::/\n", {
        "cpu.max": "max 100000\n"})) is None
    assert parallel.cpu_quota(_cgroups(tmp_path / "v1", (
        "5:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n"), {
        "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "300000\n",
        "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        "cpu,cpuacct/cpu.cfs_quota_us": "-1\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"})) == 3
    # a container that sees its own group as the root
    assert parallel.cpu_quota(_cgroups(tmp_path / "ns", "3:cpu,cpuacct:/docker/abc\n", {
        "cpu,cpuacct/cpu.cfs_quota_us": "50000\n",
        "cpu,cpuacct/cpu.cfs_period_us": "100000\n"})) == 1
    assert parallel.cpu_quota(str(tmp_path / "nothing")) is None
    assert parallel.cpu_quota(_cgroups(tmp_path / "garbage", "0::/\n", {
        "cpu.max": "lots\n"})) is None

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    monkeypatch.setattr(parallel, "cpu_quota", lambda: 2)
    assert parallel.cores() == 2
    monkeypatch.setattr(parallel, "cpu_quota", lambda: 16)
    assert parallel.cores() == 8
    monkeypatch.setattr(parallel, "cpu_quota", lambda: None)
    assert parallel.cores() == 8


def test_an_unchanged_build_shows_paths_as_seen_from_the_working_folder(tmp_path, cli,
                                                                         monkeypatch):
    """The build's record keeps its diagnostics' files as absolute paths: a no-op rebuild
    run from elsewhere names them as a fresh build there would."""
    files = dict(MINIMAL)
    files["lessons/one.md"] = "---\ntitle: One\n---\n# A big heading\n"
    course = write_course(tmp_path / "work" / "c", files)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path / "work")
    first = cli("build", "c", "--out", out)
    assert "c/lessons/one.md:4:1: warning[heading-h1]" in first.output
    (tmp_path / "work" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "work" / "sub")
    again = cli("build", "../c", "--out", out)
    fresh = cli("build", "../c", "--out", tmp_path / "clean", "--no-cache")
    assert "(unchanged)" in again.output
    assert again.output.replace(str(out), "OUT").replace(" (unchanged)", "") == \
        fresh.output.replace(str(tmp_path / "clean"), "OUT")
    assert f"{course}/lessons/one.md:4:1" in again.output
