"""An installed coursepack (a wheel, no source tree) finds its theme and runtime."""

import subprocess
import sys
import zipfile

from conftest import EXAMPLE, REPO


def test_wheel_ships_templates_and_runtime_and_builds(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, REPO],
                   check=True, capture_output=True)
    [wheel] = dist.glob("coursepack-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("coursepack/templates/page.html", "coursepack/templates/lesson.html",
                   "coursepack/runtime/coursepack.js", "coursepack/runtime/coursepack.css"):
        assert needed in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = tmp_path / "out"
    # Run from an unrelated folder with only the unpacked wheel on the path.
    result = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
         "import coursepack.cli as c; assert 'site' in c.__file__; "
         "c.main(sys.argv[2:])", site, "build", EXAMPLE, "--out", out],
        cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (out / "leadership-in-social-care-scorm12.zip").is_file()
