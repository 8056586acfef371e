"""Files that hold personal data (the SQLite database, recorded tips, reply photos) are readable by
this service's own user only: directories 0700 and files 0600, set where they are created, not left
to whoever's umask started the process."""
import os
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path):
    """Make `path` (and missing parents) as a private directory. An existing directory is left as it is:
    it may be a shared one the operator chose (e.g. /tmp), and is theirs to set."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another process made it first
            continue
        os.chmod(directory, DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def private_file(path):
    """Create `path` empty as 0600 if it does not exist, and make it 0600 if it does (this process's own)."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_atomically(path, data, mode=FILE_MODE):
    """Write `data` to a temporary file beside `path`, then rename over it: readers see the old file or
    the whole new one, never half of it. The file is 0600 and a new directory private unless `mode` says
    otherwise (prompts, which Asterisk plays as another user, are 0644 in a directory others may enter)."""
    path = Path(path)
    if mode == FILE_MODE:
        private_dir(path.parent)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:  # mkstemp makes the file 0600, whatever the umask
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        if mode != FILE_MODE:
            os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path
