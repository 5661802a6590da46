"""`sound2sight telegram`: the chat agent as a Telegram bot (agent/telegram_bot.py).

    TELEGRAM_BOT_TOKEN=… sound2sight telegram --allow USER_OR_CHAT_ID… [--jobs-per-user 1]
        [--max-video-mb 50] [--api-url URL] [--jobs N] [--jobs-dir DIR] [video options]

The bot's settings: a flag > the `[telegram]` table of the `--config` file > defaults. The
token comes from $TELEGRAM_BOT_TOKEN, else from `token` in that table; it is never printed.
Jobs go in <data>/telegram/ (not serve's jobs folder: each job store owns its folder).
"""

import argparse
import os
import tomllib
from pathlib import Path

from agent.cli_chat import add_job_options, job_store, video_settings
from agent.options import data_dir
from tools.errors import InvalidInputError

SECTION_KEYS = {"token", "allow", "allow_everyone", "jobs_per_user", "max_video_mb", "api_url"}


def add_telegram_command(sub: argparse._SubParsersAction) -> None:
    bot = sub.add_parser(
        "telegram",
        help="a Telegram bot: songs in, videos out, revisions in plain words",
        description="Run a Telegram bot (token in $TELEGRAM_BOT_TOKEN) that makes a music video "
        "of every song its users send and revises it on request. Video options apply to every "
        "video; a video over --max-video-mb is encoded again to fit.",
    )
    bot.add_argument(
        "--allow",
        action="append",
        type=int,
        metavar="ID",
        help="a user or chat id the bot answers (repeatable); others are told their ids",
    )
    bot.add_argument("--allow-everyone", action="store_true", help="answer anyone (public bot)")
    bot.add_argument(
        "--jobs-per-user", type=int, metavar="N", help="videos one user may have in the making (1)"
    )
    bot.add_argument(
        "--max-video-mb",
        type=float,
        metavar="MB",
        help="largest video sent (default 50, Telegram's limit for bots)",
    )
    bot.add_argument(
        "--api-url",
        metavar="URL",
        help="a Bot API server of your own (default Telegram's; a local telegram-bot-api lifts "
        "the 20 MB download and 50 MB upload limits)",
    )
    add_job_options(bot)
    bot.set_defaults(command=cmd_telegram)


def bot_section(config: str | None, table: str, keys: set[str]) -> dict:
    """The `[<table>]` table of the config file (empty without one), only `keys` in it."""
    if not config:
        return {}
    try:
        section = tomllib.loads(Path(config).read_text()).get(table, {})
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InvalidInputError(f"{config}: cannot read config: {err}") from err
    unknown = set(section) - keys
    if unknown:
        names = ", ".join(sorted(unknown))
        raise InvalidInputError(f"{config}: unknown [{table}] settings {names}")
    return section


def cmd_telegram(args: argparse.Namespace) -> int:
    from agent.bots import BotLimits

    try:
        from agent.telegram_bot import (
            CLOUD_DOWNLOAD_MB,
            CLOUD_VIDEO_MB,
            TOKEN_ENV,
            run_bot,
        )
    except ImportError as err:
        raise InvalidInputError(
            "telegram needs the telegram extra: pip install 'sound2sight[telegram]' "
            f"({err.name} missing)"
        ) from None
    section = bot_section(args.config, "telegram", SECTION_KEYS)
    token = os.environ.get(TOKEN_ENV) or section.get("token")
    if not token:
        raise InvalidInputError(
            f"no bot token: set {TOKEN_ENV} (the token @BotFather gave you), or token under "
            "[telegram] in the --config file"
        )
    api_url = args.api_url or section.get("api_url")
    upload_mb = args.max_upload_mb if api_url else min(args.max_upload_mb, CLOUD_DOWNLOAD_MB)
    if upload_mb < 1:
        raise InvalidInputError("--max-upload-mb must be 1 or more")
    limits = BotLimits(
        allow=frozenset(str(i) for i in args.allow or section.get("allow", [])),
        everyone=args.allow_everyone or bool(section.get("allow_everyone", False)),
        jobs_per_user=args.jobs_per_user or int(section.get("jobs_per_user", 1)),
        upload_mb=upload_mb,
        video_mb=args.max_video_mb or float(section.get("max_video_mb", CLOUD_VIDEO_MB)),
    )
    if not args.jobs_dir:
        args.jobs_dir = str(data_dir(args) / "telegram")
    video_settings(args, load=False)  # every video option checked before Telegram is called
    run_bot(lambda: job_store(args), limits, token=token, api_url=api_url)
    return 0
