"""Tessera's PEP 517 build backend: `pip install .` from the source tree.

pyproject.toml names this module (backend-path), with no build requirements,
so pip needs no index: it works offline against Debian's python3. The wheel
is made from the CMake build:

1. the build folder is $TESSERA_BUILD_DIR, or the config setting build-dir
   (pip install . --config-settings build-dir=...), or build/ in the tree;
   it is configured when it has no CMakeCache.txt, and the Python module
   (target _tessera) is built;
2. `cmake --install` stages the package into a temporary prefix;
3. the wheel holds the tessera package (its extension finds
   libTesseraCompiler.so beside it, copied in) and the dist-info.

The extension links the MLIR/LLVM shared libraries of the machine that built
it (Debian's libmlir-22): the wheel is for this machine and its likes, not
a manylinux wheel.
"""

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAME = "tessera"


def _version():
    text = open(os.path.join(ROOT, "CMakeLists.txt")).read()
    match = re.search(r"project\(Tessera VERSION ([0-9.]+)", text)
    if not match:
        raise RuntimeError("CMakeLists.txt: no project(Tessera VERSION ...)")
    return match.group(1)


def _tag():
    python = "cp%d%d" % sys.version_info[:2]
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return "%s-%s-%s" % (python, python, platform)


def _run(cmd):
    print("tessera build backend:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=sys.stderr)


def _build_dir(config_settings):
    configured = (config_settings or {}).get("build-dir")
    return os.path.abspath(os.environ.get("TESSERA_BUILD_DIR") or configured or
                           os.path.join(ROOT, "build"))


def _stage(build, prefix):
    if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
        cmd = ["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
               "-DPython3_EXECUTABLE=" + sys.executable]
        if shutil.which("ninja"):
            cmd += ["-G", "Ninja"]
        _run(cmd)
    _run(["cmake", "--build", build, "--target", "_tessera", "TesseraCompiler"])
    _run(["cmake", "--install", build, "--prefix", prefix])
    packages = [root for root, dirs, _ in os.walk(prefix)
                if root.endswith("site-packages") and NAME in dirs]
    if len(packages) != 1:
        raise RuntimeError("cmake --install staged no tessera package under " + prefix)
    package = os.path.join(packages[0], NAME)
    libraries = [os.path.join(root, name) for root, _, files in os.walk(prefix)
                 for name in files if name == "libTesseraCompiler.so"]
    if len(libraries) != 1:
        raise RuntimeError("cmake --install staged no libTesseraCompiler.so")
    shutil.copy2(libraries[0], package)
    return package


def _metadata(version):
    return ("Metadata-Version: 2.1\n"
            "Name: %s\n"
            "Version: %s\n"
            "Summary: An ahead-of-time deep learning compiler built on MLIR\n"
            "Requires-Python: >=3.9\n"
            "Requires-Dist: numpy\n" % (NAME, version))


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "%s,sha256=%s,%d" % (path, digest.decode(), len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = "%s-%s.dist-info" % (NAME, _version())
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    with open(os.path.join(metadata_directory, info, "METADATA"), "w") as f:
        f.write(_metadata(_version()))
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    tag = _tag()
    info = "%s-%s.dist-info" % (NAME, version)
    wheel_name = "%s-%s-%s.whl" % (NAME, version, tag)
    with tempfile.TemporaryDirectory(prefix="tessera-wheel-") as staging:
        package = _stage(_build_dir(config_settings), staging)
        entries = []
        for root, _, files in os.walk(package):
            for name in sorted(files):
                if name.endswith(".pyc"):
                    continue
                full = os.path.join(root, name)
                entries.append((os.path.join(NAME, os.path.relpath(full, package)),
                                open(full, "rb").read(), os.stat(full).st_mode))
        entries.append((info + "/METADATA", _metadata(version).encode(), 0o644))
        entries.append((info + "/WHEEL", (
            "Wheel-Version: 1.0\nGenerator: tessera_build_backend\n"
            "Root-Is-Purelib: false\nTag: %s\n" % tag).encode(), 0o644))
        entries.append((info + "/top_level.txt", (NAME + "\n").encode(), 0o644))
        record = [_record_line(path, data) for path, data, _ in entries]
        record.append(info + "/RECORD,,")
        entries.append((info + "/RECORD", ("\n".join(record) + "\n").encode(), 0o644))
        os.makedirs(wheel_directory, exist_ok=True)
        with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                             zipfile.ZIP_DEFLATED) as wheel:
            for path, data, mode in entries:
                item = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
                item.external_attr = (mode & 0o777 | 0o100000) << 16
                item.compress_type = zipfile.ZIP_DEFLATED
                wheel.writestr(item, data)
    return wheel_name
