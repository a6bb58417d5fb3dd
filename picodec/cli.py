"""The ``picodec`` command. Each subcommand is a thin call into the package.

    picodec encode IN OUT [--level L | --max-size SIZE | --min-quality SCORE] [--model NAME]
                          [--ignore-icc|exif|xmp] [--force]
    picodec decode IN OUT [--force]
    picodec info IN [--symbols]       (IN or OUT "-": standard input / output)
    picodec demo [IMAGE]
    picodec bench DATA_DIR [--codecs …] --out results.json ; picodec bdrate|plot results.json
    picodec train [--config CFG.json] [--steps N] …
    picodec export CHECKPOINT OUT --name NAME ; picodec export-onnx FOLDER [--model NAME]
    picodec arena build RESULTS --out STUDY ; picodec arena serve|score STUDY
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import sys
import warnings
from pathlib import Path

from PIL import Image

from picodec import __version__
from picodec.codec import REFINE_STEPS
from picodec.errors import PicodecError

STDIO = "-"  # as an input: standard input; as an output: standard output (PNG for images)
MODEL_HELP = ("perceptual (the default) or mse, the shipped models; or a model of yours "
              "in a folder on PICODEC_MODEL_PATH")


def _read(path: str) -> bytes:
    if path == STDIO:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise PicodecError(f"cannot read {path}: {err.strerror or err}") from err


def _check_output(path: str, source: str, force: bool) -> None:
    """OUTPUT may be overwritten only with --force, and never when it is the input."""
    if path == STDIO or not Path(path).exists():
        return
    if source != STDIO and Path(source).exists() and Path(path).samefile(source):
        raise PicodecError(f"{path} is the input; picodec does not overwrite its input")
    if not force:
        raise PicodecError(f"{path} exists (use --force to overwrite)")


def _write(path: str, data: bytes | Image.Image, force: bool) -> None:
    """Atomically to a file, or whole to standard output once the result is complete."""
    from picodec import imageio

    if path != STDIO:
        imageio.write_atomic(path, data, force=force)
        return
    if isinstance(data, Image.Image):
        png = io.BytesIO()
        imageio.save(data, png, "PNG")
        data = png.getvalue()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def byte_count(text: str) -> int:
    """A file size: a number of bytes with an optional k/M suffix (10^3, 10^6): 50000, 50k, 1.5M."""
    scale = {"k": 1000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    try:
        count = round(float(text[:-1] if scale > 1 else text) * scale)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not a size: '{text}' (e.g. 50000, 50k, 1.5M)") from None
    if count < 1:
        raise argparse.ArgumentTypeError(f"size must be positive: '{text}'")
    return count


def _summary(output: str, line: str) -> None:
    """The one line a command prints about what it wrote: to standard error when the
    output itself went to standard output."""
    print(f"{output}: {line}", file=sys.stderr if output == STDIO else sys.stdout)


def cmd_encode(args: argparse.Namespace) -> None:
    from picodec import codec

    _check_output(args.output, args.input, args.force)
    source = io.BytesIO(_read(args.input)) if args.input == STDIO else args.input
    data = codec.encode(source, level=args.level, model=args.model, threads=args.threads,
                        tile=args.tile, max_bytes=args.max_size, min_quality=args.min_quality,
                        keep_icc=not args.ignore_icc,
                        keep_exif=not args.ignore_exif, keep_xmp=not args.ignore_xmp,
                        effort=args.effort)
    _write(args.output, data, args.force)
    fields = codec.info(data)
    _summary(args.output, f"{fields['width']}x{fields['height']}, level {fields['level']}, "
                          f"{fields['bytes']} bytes, {fields['bpp']:.4f} bpp")


def cmd_decode(args: argparse.Namespace) -> None:
    from picodec import codec, imageio

    _check_output(args.output, args.input, args.force)
    if args.output != STDIO and Path(args.output).suffix.lower() not in imageio.OUTPUT_FORMATS:
        raise PicodecError(f"unknown output format '{Path(args.output).suffix}' "
                           f"(use one of {', '.join(imageio.OUTPUT_FORMATS)})")
    data = _read(args.input)
    image = codec.decode(data, threads=args.threads)
    _write(args.output, image, args.force)
    fields = codec.info(data)
    _summary(args.output, f"{image.width}x{image.height} {image.mode} from {len(data)} bytes "
                          f"(level {fields['level']}, model {fields['model']})")


def cmd_info(args: argparse.Namespace) -> None:
    from picodec import codec

    data = _read(args.input)
    fields = codec.info(data)
    if args.symbols:
        fields["symbols_sha256"] = dataclasses.asdict(codec.symbol_hashes(data))
    print(json.dumps(fields, indent=2))


def cmd_demo(args: argparse.Namespace) -> None:
    from picodec.demo import run

    run(args.image, Path(args.out), tuple(args.levels))


def cmd_bench(args: argparse.Namespace) -> None:
    from picodec.eval.bench import bench

    try:
        results = bench(args.data, args.codecs.split(","), args.out, jobs=args.jobs,
                        limit=args.limit, cache=args.cache,
                        lpips_weights=tuple(args.lpips) if args.lpips else None,
                        only=args.metrics.split(",") if args.metrics else None)
    except (ValueError, ImportError, FileNotFoundError) as err:
        raise PicodecError(str(err)) from err
    print(f"{len(results['records'])} points written to {args.out}")


def _results(path: str) -> dict[str, object]:
    try:
        return json.loads(_read(path))
    except json.JSONDecodeError as err:
        raise PicodecError(f"{path} is not a results file ({err})") from err


def cmd_bdrate(args: argparse.Namespace) -> None:
    from picodec.eval.bdrate import format_table, table
    from picodec.eval.bench import HIGHER_IS_BETTER

    try:
        print(format_table(table(_results(args.results), args.anchor, HIGHER_IS_BETTER), args.anchor))
    except (KeyError, ValueError) as err:
        raise PicodecError(str(err)) from err


def cmd_plot(args: argparse.Namespace) -> None:
    from picodec.eval.report import write_report

    _results(args.results)
    print(f"report: {write_report(args.results, args.out)}")


def cmd_train(args: argparse.Namespace) -> None:
    from picodec.train.config import TrainConfig
    from picodec.train.trainer import train

    try:
        cfg = TrainConfig.load(args.config, data=args.data, out=args.out, steps=args.steps,
                               minutes=args.minutes, batch=args.batch, patch=args.patch,
                               device=args.device, init=args.init, stage=args.stage,
                               workers=args.workers)
    except (ValueError, TypeError, OSError) as err:
        raise PicodecError(f"bad training config: {err}") from err
    print(f"checkpoint: {train(cfg)}")


def cmd_export(args: argparse.Namespace) -> None:
    from picodec.model.config import ModelConfig
    from picodec.model.export import export
    from picodec.model.pico import PicoModel
    from picodec.train.checkpoint import load_checkpoint, read_metadata

    meta = read_metadata(Path(args.checkpoint))
    model = PicoModel(ModelConfig.from_json(meta["model_config"]))
    load_checkpoint(Path(args.checkpoint), model)
    print(f"wrote {export(model, args.output, args.name)}")


def cmd_export_onnx(args: argparse.Namespace) -> None:
    from picodec import weights
    from picodec.model.onnx import export_onnx

    names = export_onnx(weights.load(args.model or weights.DEFAULT_MODEL), args.output, args.force)
    print(f"{args.output}: {', '.join(names)}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="picodec", description="Perceptual learned image codec.")
    parser.add_argument("--version", action="version", version=f"picodec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("encode", help="compress an image to .pico")
    p.add_argument("input")
    p.add_argument("output")
    rate = p.add_mutually_exclusive_group()
    rate.add_argument("--level", "-l", type=float, default=None,
                      help="quality level, 0 (smallest) to 7 (best), in steps down to 0.01 "
                           "(4.5 lies between 4 and 5); default 4")
    rate.add_argument("--max-size", type=byte_count, default=None, metavar="SIZE",
                      help="the highest level whose file fits in SIZE bytes (50000, 50k, 1.5M)")
    rate.add_argument("--min-quality", type=float, default=None, metavar="SCORE",
                      help="the lowest level whose decoded image scores SCORE or more on "
                           "SSIMULACRA2 (90: visually lossless, 70: high, 50: medium); "
                           "needs picodec[quality]")
    p.add_argument("--model", "-m", default=None, help=MODEL_HELP)
    p.add_argument("--effort", "-e", type=int, default=0, choices=range(len(REFINE_STEPS)),
                   help="0 (default): the encoder network alone; 1, 2: then refine its latents "
                        f"by {' or '.join(map(str, REFINE_STEPS[1:]))} gradient steps per tile, "
                        "for a better picture at about the same size, about 50 or 200 times "
                        "slower")
    p.add_argument("--tile", type=int, default=None,
                   help="tile size (default: 504, or one tile for images up to 1024 px)")
    p.add_argument("--threads", type=int, default=None, help="tiles coded in parallel")
    p.add_argument("--ignore-icc", action="store_true",
                   help="do not store the input's colour profile (its pixels are then read as sRGB)")
    p.add_argument("--ignore-exif", action="store_true",
                   help="do not store the input's EXIF (camera, capture time, GPS position)")
    p.add_argument("--ignore-xmp", action="store_true",
                   help="do not store the input's XMP (which may hold a GPS position too)")
    p.add_argument("--force", "-f", action="store_true", help="overwrite OUTPUT")
    p.set_defaults(func=cmd_encode)

    p = sub.add_parser("decode", help="decompress .pico to an image (format from extension)")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--threads", type=int, default=None, help="tiles decoded in parallel")
    p.add_argument("--force", "-f", action="store_true", help="overwrite OUTPUT")
    p.set_defaults(func=cmd_decode)

    p = sub.add_parser("info", help="print a .pico header as JSON (no network is loaded)")
    p.add_argument("input")
    p.add_argument("--symbols", action="store_true",
                   help="also entropy-decode every tile and print hashes of its integer stages "
                        "(z symbols, sigma indices, y symbols): the same on every machine")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("demo", help="compress a sample photo at several levels, print size and quality")
    p.add_argument("image", nargs="?", help="an image of yours (default: scikit-image's astronaut)")
    p.add_argument("--out", default="demo-output", help="folder for the .pico and decoded files")
    p.add_argument("--levels", type=float, nargs="+", default=[0, 2, 4, 7])
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("bench", help="rate-quality sweep of codecs over a folder of images")
    p.add_argument("data")
    p.add_argument("--codecs", default="picodec,jpeg,webp,avif,jxl,heic",
                   help="comma-separated: picodec[-MODEL][+eEFFORT][@TILE], jpeg, jpegli, webp, avif, "
                        "avif-slow, jxl, heic")
    p.add_argument("--out", default="results.json")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N images")
    p.add_argument("--cache", default=None, help="folder of finished points (default: OUT.cache)")
    p.add_argument("--metrics", help="comma-separated subset of the metrics (default: all)")
    p.add_argument("--lpips", nargs=2, metavar=("BACKBONE", "LINEAR"),
                   help="add LPIPS: torchvision AlexNet weights and LPIPS v0.1 alex.pth")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("bdrate", help="BD-rate tables from a bench results file")
    p.add_argument("results")
    p.add_argument("--anchor", default="avif")
    p.set_defaults(func=cmd_bdrate)

    p = sub.add_parser("plot", help="RD plots and an HTML report from a bench results file")
    p.add_argument("results")
    p.add_argument("--out", default="report")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("train", help="train a model (stage 1: rate + MSE; stage 2: perceptual)")
    p.add_argument("--config", default="", help="JSON file of TrainConfig fields")
    p.add_argument("--stage", choices=["mse", "perceptual"],
                   help="perceptual: fine-tune a stage-1 model (give it with --init)")
    p.add_argument("--data")
    p.add_argument("--out")
    p.add_argument("--steps", type=int)
    p.add_argument("--minutes", type=float,
                   help="training-time budget: stop (and end the decay) after this long")
    p.add_argument("--batch", type=int)
    p.add_argument("--patch", type=int)
    p.add_argument("--device")
    p.add_argument("--init", help="weights or checkpoint to start from")
    p.add_argument("--workers", type=int,
                   help="processes that cut training crops ahead of the step (default 0)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("export", help="turn a training checkpoint into a shippable model file")
    p.add_argument("checkpoint")
    p.add_argument("output")
    p.add_argument("--name", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("export-onnx", help="write a shipped model's float networks as ONNX graphs")
    p.add_argument("output", help="folder to create (graphs and manifest.json)")
    p.add_argument("--model", "-m", default=None, help=MODEL_HELP)
    p.add_argument("--force", "-f", action="store_true", help="replace OUTPUT")
    p.set_defaults(func=cmd_export_onnx)

    arena = sub.add_parser("arena", help="a blind pairwise study: build, serve, score")
    steps = arena.add_subparsers(dest="step", required=True)
    p = steps.add_parser("build", help="a study folder from a bench results file")
    p.add_argument("results", help="results.json of picodec bench (or its folder)")
    p.add_argument("--out", required=True)
    p.add_argument("--codecs", help="comma-separated subset of the results' codecs")
    p.add_argument("--images", type=int, help="use only the first N images")
    p.set_defaults(func=cmd_arena_build)
    p = steps.add_parser("serve", help="the rating web app")
    p.add_argument("study")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_arena_serve)
    p = steps.add_parser("score", help="Elo per (codec, level), plots and BD-rates")
    p.add_argument("study")
    p.add_argument("--out", help="report folder (default: STUDY/score)")
    p.add_argument("--anchor", help="codec the BD-rates are against (default: first non-picodec)")
    p.set_defaults(func=cmd_arena_score)
    return parser


def _arena_import() -> None:
    try:
        import fastapi  # noqa: F401
    except ImportError as err:
        raise PicodecError("the arena needs its extra: pip install 'picodec[arena]'") from err


def cmd_arena_build(args: argparse.Namespace) -> None:
    from picodec.arena.study import build

    try:
        study = build(args.results, args.out, args.codecs.split(",") if args.codecs else None,
                      args.images)
    except ValueError as err:
        raise PicodecError(str(err)) from err
    print(f"study in {args.out}: {len(study['images'])} images, {len(study['conditions'])} "
          f"conditions, {len(study['pairs'])} pairs")


def cmd_arena_serve(args: argparse.Namespace) -> None:
    _arena_import()
    import uvicorn

    from picodec.arena.app import create_app

    try:
        app = create_app(args.study)
    except ValueError as err:
        raise PicodecError(str(err)) from err
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


def cmd_arena_score(args: argparse.Namespace) -> None:
    from picodec.arena.report import score

    try:
        result = score(args.study, args.out, args.anchor)
    except ValueError as err:
        raise PicodecError(str(err)) from err
    out = args.out or str(Path(args.study) / "score")
    print(f"{result['votes']} votes scored; report in {out}/report.md")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            args.func(args)
            status = 0
        except PicodecError as err:
            print(f"picodec: error: {err}", file=sys.stderr)
            status = 1
        except KeyboardInterrupt:
            print("picodec: interrupted", file=sys.stderr)
            status = 130
    for warning in caught:
        if issubclass(warning.category, UserWarning) and "NumPy array is not writable" not in str(
                warning.message):
            print(f"picodec: warning: {warning.message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
