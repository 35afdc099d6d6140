"""`meltano dragon`: a small ASCII dragon, for fun."""

from __future__ import annotations

import random

import click

DRAGONS = (
    r"""
            __        _
          _/  \    _(\(o
         /     \  /  _  ^^^o
        /   !   \/  ! '!!!v'
       !  !  \ _' ( \____
       ! . \ _!\   \===^\)
        \ \_!  / __!
         \!   /  \
          \ \ \  |
           \ \_\_/   meltano
""",
    r"""
                    ___
         /\_/\     (o o)___
        ( '.' )  __/  >    \
         > ^ <  /  __/ \    \~~~~~~~~>
                \_/     \____)
             rawr, your pipelines are safe
""",
    r"""
           ,     ,
           \\___//
          ( 0   0 )____________
           \  ^  /  _  _  _  _ \~~~~<
            \___/\_/ \/ \/ \/ \/
              ||  ||      ||  ||
              ^^  ^^      ^^  ^^   extract, load, roar
""",
)


@click.command("dragon")
def command() -> None:
    """Print an ASCII dragon."""
    click.echo(random.choice(DRAGONS).strip("\n"))
