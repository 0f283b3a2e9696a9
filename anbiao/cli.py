"""Command-line tasks: prepare the database, check and load the library, demo data, the first admin."""

import shutil
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import accounts, county, db, demo, health, library, replication, storage


def _conn():
    return db.get()


@click.command("setup")
@click.option("--demo", "with_demo", is_flag=True, help="新数据库时载入演示数据（仅用于演示和开发）")
def setup(with_demo):
    """建库/迁移数据库、载入检查库；加 --demo 时为新数据库载入演示数据。"""
    conn = _conn()
    ran = db.migrate(conn)
    click.echo(f"数据库：{current_app.config['DATABASE']}（执行迁移 {ran} 步）")
    _load_library(conn)
    if with_demo and db.is_new(conn):
        demo.load(conn)
        click.echo("已载入演示数据，账号见 README（密码 demo1234）")
    elif db.is_new(conn):
        click.echo("数据库中还没有账号：请运行 flask --app app create-admin 建立第一个管理员")


def _load_library(conn):
    try:
        stats = library.load(conn)
    except ValueError as exc:
        click.echo(f"检查库有错误，未载入：\n{exc}", err=True)
        sys.exit(1)
    click.echo(f"检查库：新增 {stats['new']}，更新为新版本 {stats['changed']}，未变 {stats['unchanged']}")


@click.group("library")
def library_group():
    """检查库（inspect/）的校验与载入。"""


@library_group.command("check")
def library_check():
    """校验 inspect/ 下的数据文件，逐条报告问题。"""
    docs, problems = library.read()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"共 {len(problems)} 处问题", err=True)
        sys.exit(1)
    click.echo(f"检查库无误：{len(docs)} 个文件，{sum(len(d['items']) for _, d, _ in docs)} 条")


@library_group.command("load")
def library_load():
    """载入检查库；未改动的文件不变，改动过的成为新版本。"""
    conn = _conn()
    db.migrate(conn)
    _load_library(conn)


@click.command("create-admin")
@click.option("--username", prompt="管理员用户名", default="admin")
@click.option("--name", prompt="姓名", default="系统管理员")
@click.password_option(prompt="密码", confirmation_prompt="再次输入密码")
def create_admin(username, name, password):
    """建立管理员账号（密码在提示时输入，不写在命令行里）。"""
    conn = _conn()
    db.migrate(conn)
    try:
        accounts.create(conn, username=username, password=password, name=name, role="admin")
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"已建立管理员 {username}")


@click.command("county")
@click.option("--enterprises", default=10_000, show_default=True, help="企业数")
@click.option("--days", default=14, show_default=True, help="生成多少天的检查记录")
@click.option("--out", type=click.Path(path_type=Path), help="输出目录（默认 instance/county-<企业数>/）")
@click.option("--seed", default=1, show_default=True, help="随机种子：同样的参数生成同样的数据")
@click.option("--force", is_flag=True, help="输出目录已存在时先删除")
def county_command(enterprises, days, out, seed, force):
    """生成一个县规模的数据库（企业、网格、账号、清单、检查记录、各阶段隐患），用于测速；不碰正式数据库。"""
    out = out or Path(current_app.instance_path) / f"county-{enterprises}"
    if out.exists():
        if not force:
            click.echo(f"{out} 已存在；加 --force 重新生成", err=True)
            sys.exit(1)
        shutil.rmtree(out)
    storage.configure(out / "photos")
    counts = county.generate(out / "anbiao.db", enterprises=enterprises, days=days, seed=seed,
                             progress=click.echo)
    for table, number in counts.items():
        click.echo(f"{table}: {number:,}")
    click.echo(f"数据库：{out / 'anbiao.db'}（账号密码 {county.PASSWORD}）")


@click.command("replication-config")
@with_appcontext
def replication_config():
    """写出 Litestream 的配置 instance/litestream.yml：把数据库持续复制到对象存储（密钥不写进文件）。"""
    path = Path(current_app.instance_path) / "litestream.yml"
    s3 = current_app.config.get("S3")
    try:
        replication.write_config(path, current_app.config["DATABASE"], s3)
    except replication.ReplicationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"已写出 {path}：数据库复制到桶 {s3['bucket']} 的 {replication.replica_path()}/ 目录")


@click.command("restore")
@click.option("--to", "target", type=click.Path(path_type=Path), help="恢复到这个空目录（不存在则新建）")
@click.option("--if-missing", is_flag=True, help="本机还没有数据库时（新机器）恢复到数据库的位置；已有则不动")
@click.option("--record", is_flag=True, help="把结果记下来，显示在“运行状况”页（每天的恢复检查用）")
@with_appcontext
def restore_command(target, if_missing, record):
    """从对象存储恢复数据库的最新副本，并检查完整性、清点主要的表。"""
    if bool(target) == if_missing:
        raise click.UsageError("请用 --to 目录 指定恢复到哪个空目录（或只用 --if-missing）")
    database = current_app.config["DATABASE"]
    kept = health.record_path(database) if record else None
    try:
        if target:
            found = replication.restore(target, database, current_app.config.get("S3"))
        else:
            found = replication.restore_missing(database, current_app.config.get("S3"))
    except replication.ReplicationError as exc:
        if kept:
            health.record_check(kept, False, str(exc))
        click.echo(str(exc), err=True)
        sys.exit(1)
    if found is None:
        return
    counts = "，".join(f"{replication.TABLES[t]} {n:,}" for t, n in found["counts"].items())
    if kept:
        health.record_check(kept, True, f"{counts}；副本最后一次改动 {found['latest'] or '无'}（UTC）")
    click.echo(f"已恢复到 {found['path']}，完整性检查：{found['integrity']}")
    click.echo(counts)
    click.echo(f"最后一次改动（服务器时间，UTC）：{found['latest'] or '无'}")
    if target:
        old = "、".join(path.name for path in replication.leftovers(Path(database).resolve()))
        click.echo(f"启用它：停止服务，把原来的 {Path(database).resolve()} 连同 {old} 移走，"
                   "把它放到那里（或让 ANBIAO_DB 指向它），再启动")


@click.command("photos-to-bucket")
@with_appcontext
def photos_to_bucket():
    """把服务器磁盘上的照片复制到对象存储（ANBIAO_S3_*），逐个核对；重复运行不会重复复制。"""
    from . import photo_move

    s3 = current_app.config.get("S3")
    if not s3:
        click.echo(f"没有配置对象存储，照片无处可放：{storage.SETTINGS}", err=True)
        sys.exit(1)
    folder = Path(current_app.config.get("PHOTO_DIR") or Path(current_app.config["DATABASE"]).parent / "photos")
    try:
        with click.progressbar(length=photo_move.count(folder), label="复制照片到对象存储") as bar:
            found = photo_move.move(folder, s3, lambda key: bar.update(1))
    except storage.StorageError as exc:
        click.echo(f"中断：{exc}。已复制的不受影响，重新运行会从未复制的继续。", err=True)
        sys.exit(1)
    click.echo(f"新复制 {len(found['copied'])} 个，已在对象存储中 {len(found['present'])} 个，"
               f"损坏未复制 {len(found['damaged'])} 个。")
    for key in found["damaged"]:
        click.echo(f"损坏（内容与文件名中的哈希不符）：{key}", err=True)
    if found["damaged"]:
        sys.exit(1)
    click.echo(f"核对无误。磁盘上的 {folder} 可在确认服务器已使用对象存储后删除。")


def register(app) -> None:
    """Attach the commands to `flask --app app`."""
    for command in (setup, library_group, create_admin, county_command, replication_config, restore_command,
                    photos_to_bucket):
        app.cli.add_command(command)
