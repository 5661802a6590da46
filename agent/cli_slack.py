"""`sound2sight slack`: the chat agent as a Slack bot over the Events API (agent/slack_bot.py).

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… sound2sight slack --allow USER_OR_CHANNEL_ID…
        [--host 127.0.0.1] [--port 3000] [--path /slack/events] [--jobs-per-user 1]
        [--api-url URL] [--jobs N] [--jobs-dir DIR] [video options]

The bot's settings: a flag > the `[slack]` table of the `--config` file > defaults. The bot
token and the signing secret come from $SLACK_BOT_TOKEN and $SLACK_SIGNING_SECRET, else from
`bot_token` and `signing_secret` in that table; they are never printed. Jobs go in
<data>/slack/ (each job store owns its folder).
"""

import argparse
import os

from agent.cli_chat import add_job_options, job_store, video_settings
from agent.cli_telegram import bot_section
from agent.options import data_dir
from tools.errors import InvalidInputError

SECTION_KEYS = {
    "bot_token", "signing_secret", "allow", "allow_everyone", "jobs_per_user", "host", "port",
    "path", "api_url",
}  # fmt: skip


def add_slack_command(sub: argparse._SubParsersAction) -> None:
    bot = sub.add_parser(
        "slack",
        help="a Slack bot: songs in, videos out, revisions in plain words",
        description="Run a Slack bot (Events API over HTTP; $SLACK_BOT_TOKEN and "
        "$SLACK_SIGNING_SECRET) that makes a music video of every song shared with it and "
        "revises it on request in the song's thread. Video options apply to every video.",
    )
    bot.add_argument(
        "--allow",
        action="append",
        metavar="ID",
        help="a user or channel id the bot answers (U…, C…, D…; repeatable); others are told "
        "their ids",
    )
    bot.add_argument("--allow-everyone", action="store_true", help="answer anyone in the workspace")
    bot.add_argument(
        "--jobs-per-user", type=int, metavar="N", help="videos one user may have in the making (1)"
    )
    bot.add_argument("--host", help="address to listen on (default 127.0.0.1; a proxy before it)")
    bot.add_argument("--port", type=int, help="port to listen on (default 3000)")
    bot.add_argument("--path", help="the Request URL's path (default /slack/events)")
    bot.add_argument(
        "--api-url", metavar="URL", help="the Slack Web API (default https://slack.com/api/)"
    )
    add_job_options(bot)
    bot.set_defaults(command=cmd_slack)


def cmd_slack(args: argparse.Namespace) -> int:
    from agent.bots import BotLimits

    try:
        from agent.slack_bot import FILE_MB, SECRET_ENV, TOKEN_ENV, run_bot
    except ImportError as err:
        raise InvalidInputError(
            f"slack needs the slack extra: pip install 'sound2sight[slack]' ({err.name} missing)"
        ) from None
    section = bot_section(args.config, "slack", SECTION_KEYS)
    token = os.environ.get(TOKEN_ENV) or section.get("bot_token")
    secret = os.environ.get(SECRET_ENV) or section.get("signing_secret")
    if not token or not secret:
        raise InvalidInputError(
            f"no bot token or signing secret: set {TOKEN_ENV} (the app's Bot User OAuth Token, "
            f"xoxb-…) and {SECRET_ENV} (Basic Information > Signing Secret), or bot_token and "
            "signing_secret under [slack] in the --config file"
        )
    if args.max_upload_mb < 1:
        raise InvalidInputError("--max-upload-mb must be 1 or more")
    limits = BotLimits(
        allow=frozenset(str(i) for i in args.allow or section.get("allow", [])),
        everyone=args.allow_everyone or bool(section.get("allow_everyone", False)),
        jobs_per_user=args.jobs_per_user or int(section.get("jobs_per_user", 1)),
        upload_mb=args.max_upload_mb,
        video_mb=FILE_MB,
    )
    if not args.jobs_dir:
        args.jobs_dir = str(data_dir(args) / "slack")
    video_settings(args, load=False)  # every video option checked before Slack is called
    run_bot(
        lambda: job_store(args),
        limits,
        token=token,
        signing_secret=secret,
        host=args.host or section.get("host", "127.0.0.1"),
        port=args.port or int(section.get("port", 3000)),
        path=args.path or section.get("path", "/slack/events"),
        api_url=args.api_url or section.get("api_url"),
    )
    return 0
