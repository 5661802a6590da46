"""`sound2sight chat`, `serve` and `mcp`: the conversational agent and its integrations.

    sound2sight chat [SONG] [-m MESSAGE]… [--thread ID] [--model rules|openai:MODEL]
    sound2sight serve [--host 127.0.0.1] [--port 8000] [--jobs N] [--jobs-dir DIR]
    sound2sight mcp [--jobs N] [--jobs-dir DIR] [--root DIR]…

Video settings (format, fps, pipeline, backends, `--workers` for clips at once…) are the same
flags as `make` and apply to every video the command makes: CLI flag > config file > defaults.
Conversations go in <data>/chats/ and jobs in <data>/jobs/, where <data> is the folder runs go
in (agent.options.data_dir: runs/ unless the config file or $SOUND2SIGHT_DATA says otherwise).
"""

import argparse
import sys
from pathlib import Path

from agent.context import Context
from agent.options import add_video_options, data_dir, run_settings
from agent.progress import Progress
from tools.errors import BackendUnavailableError, InvalidInputError, Sound2SightError
from tools.registry import kinds, parse_spec


def add_chat_commands(sub: argparse._SubParsersAction) -> None:
    """Register chat, serve and mcp."""
    chat = sub.add_parser(
        "chat",
        help="talk with the agent about a music video of a song",
        description="Talk with the agent about a music video of SONG. Messages come from -m "
        "(one per flag) or from stdin, a line each (typed, or piped: echo 'make it vertical' | "
        "sound2sight chat song.mp3); each answer ends with the path of the video it made, "
        "<data>/chats/<conversation id>/v<n>/video.mp4, where <data> is runs/ unless the "
        "--config file's data_dir or $SOUND2SIGHT_DATA names another folder.",
    )
    chat.add_argument("song", nargs="?", help="audio file (needed to start a conversation)")
    chat.add_argument(
        "-m", "--message", action="append", help="send this message (repeatable); else read stdin"
    )
    chat.add_argument("--thread", help="resume the conversation with this id")
    chat.add_argument("--lyrics", metavar="FILE", help="the song's lyrics: .lrc (timed) or text")
    chat.add_argument("--workspace", help="folder for conversations (default <data>/chats)")
    _add_model_option(chat)
    add_video_options(chat)
    chat.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    chat.set_defaults(command=cmd_chat)

    serve = sub.add_parser("serve", help="HTTP API with async jobs and a web page")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback)")
    serve.add_argument("--port", type=int, default=8000, help="default 8000")
    add_job_options(serve)
    serve.set_defaults(command=cmd_serve)

    mcp = sub.add_parser("mcp", help="MCP server on stdio for MCP-capable chat clients")
    mcp.add_argument(
        "--root",
        action="append",
        help="a folder whose songs the server may read (repeatable; default: the current one)",
    )
    add_job_options(mcp)
    mcp.set_defaults(command=cmd_mcp)


def _add_model_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        help="chat model: rules (offline rule-based agent) or openai:MODEL (default: the "
        "--writer when it is openai:…, else rules)",
    )


def add_job_options(p: argparse.ArgumentParser) -> None:
    """The options of the commands that run video jobs (serve, mcp, telegram)."""
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="jobs at once (default 1)")
    p.add_argument("--jobs-dir", metavar="DIR", help="folder for the jobs (default <data>/jobs)")
    p.add_argument("--executor", choices=("local", "ray"), default="local", help="local or ray")
    p.add_argument("--ray-address", help="a Ray cluster to join (default: a local one)")
    p.add_argument("--max-upload-mb", type=int, default=100, help="largest song (default 100)")
    _add_model_option(p)
    add_video_options(p)


def video_settings(args: argparse.Namespace, *, load: bool = True) -> dict:
    """The video Context's settings but run_dir and output: flag > config file > defaults.

    With `load`, every backend is loaded now (the chat renders in this process), so one that
    cannot load fails before the conversation starts; else only the specs' kinds are checked
    (a server's workers load the backends, its own process never holds a model)."""
    values = run_settings(args)
    for name in ("run_dir", "output"):
        values.pop(name, None)
    ctx = Context(**values, run_dir="-", output="-.mp4")  # every value checked now
    for role, spec in ctx.backends().items():
        kind, _ = parse_spec(spec)
        if load:
            ctx.backend(role)
        elif kind not in kinds(role):
            known = ", ".join(sorted(kinds(role)))
            raise BackendUnavailableError(f"unknown {role} backend {kind!r}; available: {known}")
    return values


def chat_model_spec(args: argparse.Namespace, settings: dict) -> str:
    """--model, else the writer's model when the writer is an LLM, else the rule-based agent."""
    from agent.chat_model import RULES, load_chat_model

    spec = args.model or (
        settings["writer"] if settings.get("writer", "").startswith("openai") else RULES
    )
    if spec != RULES:
        load_chat_model(spec)  # an unknown spec fails before the conversation starts
    return spec


def describe_model(spec: str) -> str:
    from agent.chat_model import RULES
    from agent.chat_rules import NAME

    return NAME if spec == RULES else f"the tool-calling model {spec}"


# ---------------------------------------------------------------------------- chat


def cmd_chat(args: argparse.Namespace) -> int:
    from agent.chat import ChatSession
    from agent.chat_context import ChatContext
    from tools.audio.loading import load_audio

    settings = video_settings(args)
    model = chat_model_spec(args, settings)
    workspace = Path(args.workspace) if args.workspace else data_dir(args) / "chats"
    context = ChatContext(model=model, workspace=str(workspace), settings=settings)
    session = ChatSession(db=workspace / "chat.sqlite", context=context, thread_id=args.thread)
    known = session.values()
    if args.thread and not known:
        raise InvalidInputError(f"no conversation {args.thread!r} in {workspace}")
    if not known and not args.song:
        raise InvalidInputError("give a SONG to start a conversation (or --thread ID to resume)")
    if args.song:
        limit = Context(**settings, run_dir="-", output="-.mp4").max_duration
        load_audio(args.song, max_duration=limit)  # no audio, or too long: fails before a turn
    print(
        f"conversation {session.thread_id} with {describe_model(model)}; "
        f"resume it with: sound2sight chat --thread {session.thread_id}",
        file=sys.stderr,
    )
    interactive = args.message is None and sys.stdin.isatty()
    messages = args.message if args.message is not None else _stdin_messages(interactive)
    progress = Progress(enabled=not args.quiet)
    for text in messages:
        if text.strip().lower() in ("quit", "exit", "bye"):
            break
        if not text.strip():
            continue
        try:
            turn = session.send(text, song=args.song, on_event=progress)
        except Sound2SightError as err:
            if not interactive:
                raise
            print(f"sound2sight: error: {err}", file=sys.stderr)
            continue
        print(turn.answer)
        if turn.video and turn.video not in turn.answer.splitlines():
            print(turn.video)  # the path on a line of its own, whatever the model wrote
        sys.stdout.flush()
    return 0


def _stdin_messages(interactive: bool):
    while True:
        if interactive:
            print("you> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        yield line.rstrip("\n")


# ---------------------------------------------------------------------------- jobs


def job_store(args: argparse.Namespace):
    """A warmed-up job store on the executor that the parsed options ask for."""
    from agent.executor import make_executor
    from agent.jobs import JobStore

    if args.max_upload_mb < 1:
        raise InvalidInputError("--max-upload-mb must be 1 or more")
    settings = video_settings(args, load=False)
    model = chat_model_spec(args, settings)
    executor = make_executor(args.executor, workers=args.jobs, address=args.ray_address)
    root = Path(args.jobs_dir) if args.jobs_dir else data_dir(args) / "jobs"
    store = JobStore(root, executor=executor, settings=settings, model=model)
    store.warm_up()
    return store


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from agent.server import required_token, serve
    except ImportError as err:
        raise InvalidInputError(
            f"serve needs the serve extra: pip install 'sound2sight[serve]' ({err.name} missing)"
        ) from None
    token = required_token(args.host)
    store = job_store(args)
    auth = "bearer token required" if token else "no token: loopback only"
    print(f"sound2sight: serving http://{args.host}:{args.port}/ ({auth})", file=sys.stderr)
    try:
        serve(store, host=args.host, port=args.port, token=token, max_upload_mb=args.max_upload_mb)
    finally:
        store.executor.shutdown(cancel=True)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        from agent.mcp_server import build_mcp
    except ImportError as err:
        raise InvalidInputError(
            f"mcp needs the serve extra: pip install 'sound2sight[serve]' ({err.name} missing)"
        ) from None
    store = job_store(args)
    roots = [Path(root) for root in (args.root or ["."])]
    server = build_mcp(store, roots=roots, max_upload_mb=args.max_upload_mb)
    try:
        server.run("stdio")
    finally:
        store.executor.shutdown(cancel=True)
    return 0
