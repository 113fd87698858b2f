"""`inspect`, `asset add|list`, `sign`, `keys dev-ca`: provenance of the media itself."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from reelproof.adapters.config import config_path, load_config
from reelproof.adapters.devca import make_dev_ca
from reelproof.core.provenance import ProvenanceReport
from reelproof.interfaces.cli.common import DbOpt, OutOpt, Shown, err_console, handle_errors, show
from reelproof.services import assets as assetsvc
from reelproof.services.context import Context
from reelproof.services.documents import readable_name

T = TypeVar("T")

STATE_STYLE = {
    "trusted": "green",
    "valid": "cyan",
    "no_manifest": "dim",
    "invalid": "red",
    "error": "red",
    "unverifiable": "yellow",
    "unsupported": "yellow",
}


def with_progress(items: Iterable[T], total: int, what: str, show: bool) -> Iterator[T]:
    """A progress bar on stderr for long runs; silent for one file or JSON output."""
    if not show or total < 2:
        yield from items
        return
    columns = (
        TextColumn(f"[bold]{what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(what, total=total)
        for item in items:
            yield item
            progress.advance(task)


def print_report(c: Console, r: ProvenanceReport, extra: dict[str, Any] | None = None) -> None:
    """One file's provenance; every name in it (file, title, generator) shown literally."""
    state = r.c2pa_state.value
    c.print(
        Text.assemble((readable_name(r.path), "bold"), f"  {r.media_type}  sha256 {r.sha256[:16]}…")
    )
    codes = f" ({', '.join(r.codes)})" if r.codes else ""
    c.print(Text.assemble("  C2PA: ", (state, STATE_STYLE.get(state, "bold")), codes))
    if r.claim_generator:
        c.print(Text(f"  claim generator: {r.claim_generator}"))
    for ing in r.ingredients:
        icodes = f" ({', '.join(ing.codes)})" if ing.codes else ""
        c.print(
            Text.assemble(
                f"  ingredient {ing.title!r} [{ing.relationship}]: ",
                (ing.state.value, STATE_STYLE.get(ing.state.value, "bold")),
                icodes,
            )
        )
    if r.digital_source_types:
        c.print(Text(f"  digital source types: {', '.join(r.digital_source_types)}"))
    c.print(Text.assemble("  classification: ", (r.classification.value, "bold")))
    for reason in r.reasons:
        c.print(Text(f"    - {reason}"))
    for key, value in (extra or {}).items():
        if value:
            c.print(Text(f"  {key}: {value}"))


# `--fail-on` of `inspect`: which C2PA states make it exit 1.
INSPECT_FAIL_ON: dict[str, frozenset[str]] = {
    "never": frozenset(),
    "invalid": frozenset({"invalid", "error"}),
    "untrusted": frozenset({"invalid", "error", "valid", "unverifiable", "unsupported"}),
    "unsigned": frozenset(
        {"invalid", "error", "valid", "unverifiable", "unsupported", "no_manifest"}
    ),
}
INSPECT_FAIL_DEFAULT = "invalid"


def _fail_on_choice(value: str) -> str:
    if value not in INSPECT_FAIL_ON:
        raise typer.BadParameter(f"{value!r}; expected one of: {', '.join(INSPECT_FAIL_ON)}")
    return value


def register(app: typer.Typer) -> None:
    """`inspect`, `asset add|list`, `sign` and `keys dev-ca`."""

    @app.command()
    @handle_errors
    def inspect(
        files: Annotated[list[Path], typer.Argument(help="Files or folders.")],
        fail_on: Annotated[
            str,
            typer.Option(
                help="Exit 1 when a file's C2PA state is: invalid (invalid or unreadable), "
                "untrusted (also intact but not from a trusted signer), unsigned (also no "
                "manifest), or never.",
                callback=_fail_on_choice,
            ),
        ] = INSPECT_FAIL_DEFAULT,
        fmt: OutOpt = "text",
    ) -> None:
        """Provenance of media files: C2PA state, source types, ingredients, AI classification.
        Works without a store; offline unless the configuration allows the network.
        Exit 1 when a file matches --fail-on (default: invalid)."""
        settings = load_config().provenance()
        listing = assetsvc.walk(files)
        reports = list(
            with_progress(
                assetsvc.inspect(listing, settings),
                len(listing.files) + len(listing.problems),
                "inspecting",
                True,
            )
        )

        def draw(c: Console) -> None:
            for r in reports:
                print_report(c, r)

        show(Shown([r.to_json() for r in reports], draw), fmt)
        if any(r.c2pa_state.value in INSPECT_FAIL_ON[fail_on] for r in reports):
            raise typer.Exit(1)

    asset = typer.Typer(help="Register media and link it to declarations.", no_args_is_help=True)
    app.add_typer(asset, name="asset")

    @asset.command("add")
    @handle_errors
    def asset_add(
        files: Annotated[list[Path], typer.Argument(help="Files or folders.")],
        production: Annotated[str, typer.Option(help="The production the media belongs to.")],
        declaration: Annotated[
            str | None, typer.Option(help="The declaration whose AI use produced it.")
        ] = None,
        delivery: Annotated[
            bool, typer.Option(help="The files are part of a delivery (final deliverable).")
        ] = False,
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Register files by SHA-256 (streamed), with their provenance; flags what doesn't fit."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        listing = assetsvc.walk(files)
        for _path, why in listing.problems:  # listed, never silently skipped
            err_console.print(Text.assemble(("not registered:", "yellow"), f" {why}"))
        paths = listing.files
        results = list(
            with_progress(
                assetsvc.add_assets(
                    ctx,
                    paths,
                    production,
                    declaration,
                    load_config().provenance(),
                    delivery=delivery,
                ),
                len(paths),
                "registering",
                True,
            )
        )

        def draw(c: Console) -> None:
            for res in results:
                r = res.report
                linked = f"  → {res.linked}" if res.linked else ""
                c.print(
                    Text(
                        f"{res.status:10} {readable_name(r.path)}  {r.classification.value}  "
                        f"C2PA {r.c2pa_state.value}{linked}"
                    )
                )
                _draw_flags(c, res.flags)

        show(Shown([res.to_json() for res in results], draw), fmt)

    @asset.command("list")
    @handle_errors
    def asset_list(
        production: Annotated[str, typer.Argument(help="Production id.")],
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Registered assets of a production, their declarations and flags."""
        ctx = Context.open(db)
        with ctx.read() as conn:
            rows = assetsvc.production_assets(conn, production)

        def draw(c: Console) -> None:
            for a in rows:
                decls = ", ".join(a["declarations"]) or "no declaration"
                c.print(
                    Text(f"{a['sha256'][:16]}…  {a['classification']:<12} {a['path']}  ({decls})")
                )
                _draw_flags(c, a["flags"])

        show(Shown(rows, draw), fmt)

    @app.command()
    @handle_errors
    def sign(
        file: Annotated[Path, typer.Argument(help="The synthetic asset to sign.")],
        declaration: Annotated[str, typer.Option(help="The cleared declaration it comes from.")],
        out: Annotated[
            Path | None, typer.Option(help="Signed copy (default: NAME.signed.EXT beside it).")
        ] = None,
        source_type: Annotated[
            str, typer.Option(help="IPTC digital source type of the asset.")
        ] = "trainedAlgorithmicMedia",
        db: DbOpt = None,
        fmt: OutOpt = "text",
    ) -> None:
        """Write a C2PA manifest for a cleared synthetic asset (refused for uses not cleared)."""
        ctx = Context.open(db)
        ctx.store.require_ready()
        target = out or file.with_name(f"{file.stem}.signed{file.suffix}")
        result = assetsvc.sign(
            ctx, file, target, declaration, load_config(), source_type=source_type
        )
        data = {
            "out": str(result.out),
            "declaration": result.declaration,
            "assertion": result.assertion,
            "inspect": result.report.to_json(),
            "log_index": result.log_index,
        }

        def draw(c: Console) -> None:
            c.print(Text(f"signed {readable_name(result.out)} for {result.declaration}"))
            print_report(c, result.report)

        show(Shown(data, draw), fmt)

    keys = typer.Typer(help="Signing keys.", no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("dev-ca")
    @handle_errors
    def dev_ca(
        out: Annotated[Path, typer.Option(help="Folder for the CA files.")] = Path(
            ".reelproof/dev-ca"
        ),
        alg: Annotated[str, typer.Option(help="es256, es384, es512 or ed25519.")] = "es256",
        configure: Annotated[
            bool, typer.Option(help="Also write .reelproof/config.toml to use it.")
        ] = True,
        fmt: OutOpt = "text",
    ) -> None:
        """Make a DEVELOPMENT CA and signing certificate to try `sign` (never for real media)."""
        ca = make_dev_ca(out, alg)
        cfg = config_path()
        written = False
        if configure and not cfg.exists():
            cfg.parent.mkdir(parents=True, exist_ok=True)

            def rel(p: Path) -> str:
                return str(p.resolve())  # absolute: the config may be read from anywhere

            cfg.write_text(
                "# reelproof configuration (written by `reelproof keys dev-ca`).\n"
                "[provenance]\n"
                f'trust_anchors = "{rel(ca.root_pem)}"\n\n'
                "[signing]\n"
                f'key = "{rel(ca.signer_key)}"\n'
                f'chain = "{rel(ca.chain_pem)}"\n'
                f'alg = "{ca.alg}"\n',
                encoding="utf-8",
            )
            written = True
        info = {
            "root": str(ca.root_pem),
            "chain": str(ca.chain_pem),
            "key": str(ca.signer_key),
            "alg": ca.alg,
            "config": str(cfg) if written else None,
        }

        def draw(c: Console) -> None:
            c.print(
                Text(
                    "Development CA: for trying reelproof out only, never for real media.", "yellow"
                )
            )
            for k in ("root", "chain", "key"):
                c.print(Text(f"  {k:6} {info[k]}"))
            if written:
                c.print(Text(f"  configured in {cfg}"))
            elif configure:
                c.print(Text(f"  {cfg} exists: add its [signing] section yourself"))

        show(Shown(info, draw), fmt)


def _draw_flags(c: Console, flags: Iterable[str]) -> None:
    for flag in flags:
        c.print(Text.assemble(("  flag:", "yellow"), f" {flag}"))
