"""The data commands: ``cifar-cnn data download | pack | verify | info``."""

from __future__ import annotations

import argparse

from .common import EXIT_ERROR, CliError, quiet_tensorflow, sha256_hex

__all__ = ["cmd_data_download", "cmd_data_pack", "cmd_data_verify", "cmd_data_info", "add_parser"]


def cmd_data_download(args):
    if args.sha256 is not None and args.from_archive is None:
        raise CliError("--sha256 checks an archive given with --from FILE; a download is always checked")
    if args.from_archive is None:
        quiet_tensorflow()  # the download uses Keras's downloader
    from ..data import download_cifar10, find_data_dir

    folder, source = find_data_dir(args.data_dir, data_home=args.data_home)
    if folder is not None and not args.force:
        print(f"CIFAR-10 is already here ({source}): {folder}")
        print("Nothing to download. Check it with `cifar-cnn data verify`.")
        return 0
    if args.from_archive is not None:
        return _install_from(args)
    folder = download_cifar10(args.data_home)
    print(f"CIFAR-10 is ready in {folder}")
    return 0


def _install_from(args):
    from ..data import FOLDER_NAME
    from ..data.locate import resolve_data_home
    from ..data.pack import install_packed

    destination = resolve_data_home(args.data_home) / FOLDER_NAME
    if destination.exists():
        raise CliError(
            f"{destination} already exists; nothing was replaced. To replace it, delete that "
            "folder and run this command again."
        )
    folder, how = install_packed(args.from_archive, args.data_home, sha256=args.sha256)
    print(f"Checked the archive: {how}.")
    print(f"CIFAR-10 is ready in {folder}")
    return 0


def _interrupt_on_termination():
    """Turn `kill` and a closed terminal into Ctrl-C, so half-written files are removed."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def cmd_data_pack(args):
    _interrupt_on_termination()
    from ..data import find_data_dir, pack_data
    from ..data.pack import archive_target

    archive_target(args.file)  # a bad name fails before the data is read
    folder, source = find_data_dir(args.data_dir)
    if folder is not None:
        print(f"Packing CIFAR-10 from {folder} ({source})")
    path, sha256 = pack_data(args.file, folder)
    size = path.stat().st_size
    print(f"Wrote {path} ({size / 1e6:.1f} MB, {size:,} bytes)")
    print(f"SHA-256: {sha256}")
    print(f"Checksum saved to {path.name}.sha256 next to it: copy both files.")
    print(f"On each machine: cifar-cnn data download --from <where the stick is>/{path.name}")
    return 0


def cmd_data_verify(args):
    from ..data import verify

    report = verify(args.folder)
    print(report.format())
    return 0 if report.ok and (report.official or not args.strict) else EXIT_ERROR


def cmd_data_info(args):
    from ..data import format_info, info

    found = info(args.data_dir, data_home=args.data_home)
    print(format_info(found))
    # Scripts (and setup checks) can test the exit code: 0 only when the data is usable.
    return 0 if found["found"] and not found["error"] else EXIT_ERROR


def add_parser(commands):
    """Add ``data`` and its actions to the ``cifar-cnn`` parser."""
    data = commands.add_parser("data", help="download, verify or locate CIFAR-10")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION")
    data_commands.required = True

    p = data_commands.add_parser("download", help="fetch CIFAR-10 into the Keras cache (do it before a workshop)")
    p.add_argument("--data-home", default=None, help="where to put it (default: the Keras cache, ~/.keras/datasets)")
    p.add_argument("--data-dir", default=None, help=argparse.SUPPRESS)
    p.add_argument("--force", action="store_true", help="download even if a copy is already found")
    p.add_argument("--from", dest="from_archive", metavar="FILE", default=None,
                   help="install from an archive (made by `cifar-cnn data pack`, or the official "
                        "cifar-10-python.tar.gz) instead of downloading")
    p.add_argument("--sha256", metavar="HEX", type=sha256_hex, default=None,
                   help="expected SHA-256 of the --from archive (default: FILE.sha256 next to it, if any)")
    p.set_defaults(func=cmd_data_download)

    p = data_commands.add_parser("pack", help="write the data into one archive, e.g. for a USB stick")
    p.add_argument("file", metavar="FILE",
                   help="the archive to write (NAME.tar.gz), or a folder to write cifar-10-python.tar.gz into")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py (default: the one found)")
    p.set_defaults(func=cmd_data_pack)

    p = data_commands.add_parser("verify", help="check every file of a CIFAR-10 folder")
    p.add_argument("folder", nargs="?", default=None, help="folder to check (default: the one the package would use)")
    p.add_argument("--strict", action="store_true", help="also fail when a checksum differs from the official download")
    p.set_defaults(func=cmd_data_verify)

    p = data_commands.add_parser("info", help="say where the data is and how big it is")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.add_argument("--data-home", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_data_info)
