"""The memristive digital-PIM device: one dataclass, loadable from TOML, with cited defaults.

Every default below names its public source; "assumption" marks numbers we chose. Sources:

- [AritPIM] O. Leitersdorf et al., "AritPIM: High-Throughput In-Memory Arithmetic", arXiv
  2206.04218 (IEEE TETC), and its repository oleitersdorf/AritPIM (README tables): NOR/NOT gate
  set with INIT0/INIT1, one INIT per gate ("1-INIT"), serial N-bit addition in 18N+1 cycles, and a
  throughput/energy table extrapolated with RACER's parameters: 32-bit serial addition, 577
  cycles, 34.89 TOPS and 0.271 TOPS/W.
- [PyPIM] O. Leitersdorf, R. Ronen, S. Kvatinsky, "PyPIM", MICRO 2024, repository
  oleitersdorf/PyPIM, ``csrc/constants.h``: 2**16 crossbars of 1024 x 1024 cells (8 GiB).
- [RACER] M. S. Q. Truong et al., "RACER: Bit-Pipelined Processing Using Resistive Memory",
  MICRO 2021 (the architecture whose parameters AritPIM's table uses).
- [NVSim] X. Dong et al., NVSim, repository SEAL-UCSB/NVSim, ``sample_RRAM.cell``: set/reset
  energy 0.6 pJ and pulse 10 ns, read energy 0.1 pJ.
- [JEDEC] JESD79-4 DDR4: a DDR4-3200 channel moves 3200 MT/s x 8 bytes = 25.6 GB/s.
- [Horowitz] M. Horowitz, "Computing's energy problem", ISSCC 2014: a 64-bit DRAM access costs
  1.3-2.6 nJ (45 nm), i.e. 20-40 pJ per bit.

Derived defaults: with 2**26 rows (2**16 crossbars x 1024 rows, [PyPIM]) doing one 577-cycle
addition each, AritPIM's 34.89 TOPS gives a cycle of 2**26 / (577 * 34.89e12) s = 3.33 ns.
The same table's 0.271 TOPS/W would give 1 / (0.271e12 * 577) J = 6.39 fJ per cycle per row,
far below a cell write (600 fJ, [NVSim]); since every gate and INIT writes its output cell,
the default charges each one a cell write (one energy basis), and the 6.39 fJ figure is the
optimistic end of the sensitivity analysis (``pim estimate``'s tornado).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, fields
from importlib import resources

GATE_SET = ("NOR", "NOT", "INIT0", "INIT1")

# Field -> TOML section.
SECTIONS = {
    "name": "device",
    "rows": "crossbar",
    "columns": "crossbar",
    "crossbars_per_bank": "organisation",
    "banks_per_chip": "organisation",
    "chips": "organisation",
    "gate_set": "logic",
    "cycle_time_ns": "logic",
    "gate_energy_fj": "logic",
    "init_policy": "logic",
    "write_energy_pj_per_bit": "memory",
    "read_energy_pj_per_bit": "memory",
    "write_latency_ns": "memory",
    "move_cycles_per_bit": "movement",
    "move_energy_pj_per_bit": "movement",
    "host_bandwidth_gb_per_s": "movement",
    "host_energy_pj_per_bit": "movement",
    "reference_resident": "movement",
    "target_window": "movement",
    "controller_power_w": "power",
    "power_budget_w": "power",
    "thermal_limit_w_per_mm2": "power",
    "controller_power_w_per_bank": "periphery",
    "controller_area_mm2_per_bank": "periphery",
    "sense_amp_energy_fj_per_bit": "periphery",
    "sense_amp_area_um2": "periphery",
    "driver_energy_fj_per_crossbar_cycle": "periphery",
    "driver_area_um2": "periphery",
    "feature_nm": "area",
    "cell_area_f2": "area",
    "array_efficiency": "area",
}


@dataclass(frozen=True)
class Device:
    """A ReRAM digital-PIM module. Units are in the field names; see the module doc for sources."""

    name: str = "default (RACER/AritPIM-derived, 8 GiB)"
    # [AritPIM] simulator and [PyPIM]: 1024 x 1024 crossbars.
    rows: int = 1024
    columns: int = 1024
    # [PyPIM]: 2**16 crossbars in total. The split 8 chips x 16 banks x 512 crossbars is an
    # assumption; a bank has one controller and runs one instruction stream (a lockstep group).
    crossbars_per_bank: int = 512
    banks_per_chip: int = 16
    chips: int = 8
    # [AritPIM]: MAGIC NOR/NOT with INIT0/INIT1 and one INIT per gate ("per-gate"); "bulk"
    # initialises all outputs of one primitive in one cycle.
    gate_set: tuple = GATE_SET
    cycle_time_ns: float = 3.33  # derived from [AritPIM]'s RACER-based table (module doc)
    # One energy basis: a gate or an INIT writes its output cell, so it costs a cell write,
    # [NVSim]'s set/reset energy (600 fJ). Worst case: every output is charged as switching.
    gate_energy_fj: float = 600.0
    init_policy: str = "per-gate"
    write_energy_pj_per_bit: float = 0.6  # [NVSim] sample cell SetEnergy/ResetEnergy
    read_energy_pj_per_bit: float = 0.1  # [NVSim] sample cell ReadEnergy
    write_latency_ns: float = 10.0  # [NVSim] sample cell Set/ResetPulse, one row per write
    # Assumption: a row-parallel move between crossbars senses the source column (1 cycle) and
    # writes the destination column (1 cycle); its energy is one read plus one write ([NVSim]).
    move_cycles_per_bit: int = 2
    move_energy_pj_per_bit: float = 0.7
    host_bandwidth_gb_per_s: float = 25.6  # [JEDEC] one DDR4-3200 channel (assumption: one)
    host_energy_pj_per_bit: float = 20.0  # [Horowitz] low end of a DRAM access, per bit
    # RAPIDx's layout: the reference lives in the device; the host sends reads (2 bits per
    # base, N positions aside) and the window's address, and reads results back. False: the
    # host streams every alignment's target window and 3-bit codes (the mirror's layout).
    reference_resident: bool = True
    # Assumption (this model's layout): "ring" keeps each target in a crossbar row of its own
    # (beside its query) and moves one base per DP row into a window that slides with the
    # band; "fifo" keeps the whole target in the compute row and shifts it with the band.
    target_window: str = "ring"
    # Assumption: other static power (I/O, clocking) beyond the itemised periphery below (0).
    controller_power_w: float = 0.0
    # Assumption: no power cap (0). With a cap, the steady state is at most cap / energy per
    # alignment and its bound reads "power".
    power_budget_w: float = 0.0
    # Assumption: the watts one mm2 of die can shed with ordinary cooling (0: no limit). Order
    # of magnitude: an NVIDIA H100 SXM5 sheds 700 W (TDP) from an 814 mm2 die, 0.86 W/mm2, under
    # a server heat sink (NVIDIA H100 datasheet and Hopper whitepaper); memory dies run far
    # cooler. Above it the steady state is throttled to it and its bound reads "power".
    thermal_limit_w_per_mm2: float = 0.5
    # Periphery, itemised (all assumptions, orders of magnitude; the tornado varies them):
    # - one controller per bank issuing the lockstep stream, static: 10 mW and 0.1 mm2 (a small
    #   in-order embedded core at a few hundred MHz in 28 nm draws mW to tens of mW);
    # - a sense amplifier per crossbar row (a row-parallel move senses a whole column): 20 fJ
    #   per bit sensed (a latch-type sense amplifier: tens of fJ) and 1 um2;
    # - row and column drivers (rows + columns per crossbar): 0.5 um2 each, and 100 fJ per
    #   active crossbar per cycle to switch the gate's lines (beyond the cells' 600 fJ).
    controller_power_w_per_bank: float = 0.01
    controller_area_mm2_per_bank: float = 0.1
    sense_amp_energy_fj_per_bit: float = 20.0
    sense_amp_area_um2: float = 1.0
    driver_energy_fj_per_crossbar_cycle: float = 100.0
    driver_area_um2: float = 0.5
    # Area (assumptions, no source): a 28 nm process, the ideal crossbar cell (4 F^2), and 70%
    # of the die in the arrays and the itemised periphery (the rest: wiring, I/O, decoders).
    feature_nm: float = 28.0
    cell_area_f2: float = 4.0
    array_efficiency: float = 0.7

    @property
    def gate_cycle_ns(self) -> float:
        """The cycle the model runs gates at: a gate writes its output cell, so its cycle is
        at least the cell's write pulse (``max(cycle_time_ns, write_latency_ns)``; the
        default's 3.33 ns table cycle thus runs at NVSim's 10 ns pulse)."""
        return max(self.cycle_time_ns, self.write_latency_ns)

    @property
    def crossbars(self) -> int:
        return self.crossbars_per_bank * self.banks_per_chip * self.chips

    @property
    def banks(self) -> int:
        return self.banks_per_chip * self.chips

    @property
    def group_size(self) -> int:
        """Alignments per lockstep group: a bank's rows, two crossbar rows per alignment."""
        return self.rows * (self.crossbars_per_bank // 2)

    def replace(self, **changes) -> "Device":
        dev = dataclasses.replace(self, **changes)
        dev.validate()
        return dev

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first impossible value (each integer has a range:
        a crossbar of at most 2**20 rows or columns, at most 2**40 crossbars in all)."""
        for name, high in INT_RANGES.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= high:
                raise ValueError(f"{_key(name)} must be an integer in 1..{high}, got {value!r}")
        if self.crossbars > 1 << 40:
            raise ValueError(f"the device has {self.crossbars} crossbars; at most 2**40")
        if self.crossbars_per_bank < 2:
            raise ValueError(
                f"{_key('crossbars_per_bank')} must be >= 2 (query + compute crossbar)"
            )
        for name in (
            "cycle_time_ns",
            "host_bandwidth_gb_per_s",
            "feature_nm",
            "cell_area_f2",
            "array_efficiency",
        ):
            value = getattr(self, name)
            if not _number(value) or value <= 0:
                raise ValueError(f"{_key(name)} must be a number > 0, got {value!r}")
        for name in (
            "gate_energy_fj",
            "write_energy_pj_per_bit",
            "read_energy_pj_per_bit",
            "write_latency_ns",
            "move_energy_pj_per_bit",
            "host_energy_pj_per_bit",
            "controller_power_w",
            "power_budget_w",
            "thermal_limit_w_per_mm2",
            "controller_power_w_per_bank",
            "controller_area_mm2_per_bank",
            "sense_amp_energy_fj_per_bit",
            "sense_amp_area_um2",
            "driver_energy_fj_per_crossbar_cycle",
            "driver_area_um2",
        ):
            value = getattr(self, name)
            if not _number(value) or value < 0:
                raise ValueError(f"{_key(name)} must be a number >= 0, got {value!r}")
        if self.array_efficiency > 1:
            raise ValueError(
                f"{_key('array_efficiency')} must be in (0, 1], got {self.array_efficiency!r}"
            )
        if not isinstance(self.reference_resident, bool):
            raise ValueError(
                f"{_key('reference_resident')} must be true or false, got "
                f"{self.reference_resident!r}"
            )
        if self.target_window not in ("ring", "fifo"):
            raise ValueError(
                f"{_key('target_window')} must be 'ring' or 'fifo', got {self.target_window!r}"
            )
        if self.init_policy not in ("per-gate", "bulk"):
            raise ValueError(
                f"{_key('init_policy')} must be 'per-gate' or 'bulk', got {self.init_policy!r}"
            )
        if isinstance(self.gate_set, str) or not isinstance(self.gate_set, (list, tuple)):
            raise ValueError(
                f"{_key('gate_set')} must be a list of gate names, {list(GATE_SET)}, got "
                f"{self.gate_set!r}"
            )
        if tuple(self.gate_set) != GATE_SET:
            raise ValueError(
                f"{_key('gate_set')} must be {list(GATE_SET)} (the gates the mirror "
                f"implements), got {list(self.gate_set)!r}"
            )

    def as_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["gate_set"] = list(self.gate_set)
        out["crossbars"] = self.crossbars
        out["gate_cycle_ns"] = self.gate_cycle_ns
        return out


INT_RANGES = {
    "rows": 1 << 20,
    "columns": 1 << 20,
    "crossbars_per_bank": 1 << 20,
    "banks_per_chip": 1 << 20,
    "chips": 1 << 20,
    "move_cycles_per_bit": 1 << 20,
}


def _key(name: str) -> str:
    return f"{SECTIONS[name]}.{name}"


def _number(value) -> bool:
    """A real, finite number (TOML allows nan and inf, which no device has)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


DEFAULT = Device()

# The ``rapidx`` preset: the default device with RAPIDx's setting (Gupta et al., arXiv
# 2211.05733; IEEE TCAD 2023) as far as it can be sourced. Each changed value names its source
# or is marked an assumption; everything else is the default's (``Device``'s sources).
RAPIDX_SOURCES = {
    "gate_energy_fj": (
        6.39,
        "[AritPIM] 0.271 TOPS/W on RACER's parameters = 6.39 fJ per gate per row (the "
        "energy basis of that lineage's throughput tables; RAPIDx's own circuits: not "
        "published per gate, so this stands in for them, assumption)",
    ),
    "init_policy": ("bulk", "assumption: outputs initialised in bulk, not one INIT per gate"),
    "write_latency_ns": (
        3.33,
        "assumption: a cell that switches within the [AritPIM]/[RACER] 3.33 ns cycle",
    ),
    "host_bandwidth_gb_per_s": (
        1e6,
        "assumption: reads already in the device (RAPIDx times the in-memory alignment), "
        "a link that never binds",
    ),
    "host_energy_pj_per_bit": (0.0, "assumption: reads already in the device, no transfer"),
    "thermal_limit_w_per_mm2": (0.0, "assumption: no thermal limit (RAPIDx states none)"),
    "controller_power_w_per_bank": (0.0, "assumption: folded into the per-gate energy"),
    "sense_amp_energy_fj_per_bit": (0.0, "assumption: folded into the per-gate energy"),
    "driver_energy_fj_per_crossbar_cycle": (0.0, "assumption: folded into the per-gate energy"),
}
RAPIDX = DEFAULT.replace(
    name="rapidx-like (RAPIDx's setting where sourced, else marked assumptions)",
    **{k: v for k, (v, _) in RAPIDX_SOURCES.items()},
)
PRESETS = {"default": DEFAULT, "rapidx": RAPIDX}


def load_device(path: str | None = None) -> Device:
    """The default device, a named preset (``PRESETS``: ``default``, ``rapidx``), or the
    default overridden by the keys of a TOML file.

    Unknown sections or keys, keys in the wrong section and impossible values raise
    ``ValueError`` naming the key. Missing keys keep their defaults.
    """
    if path is None:
        return DEFAULT
    if path in PRESETS:
        return PRESETS[path]
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        from ..io.errors import InputError

        raise InputError(path, "no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid TOML ({err})") from None
    changes = {}
    known_sections = set(SECTIONS.values())
    for section, table in data.items():
        if section not in known_sections:
            raise ValueError(
                f"{path}: unknown section [{section}] (known: {', '.join(sorted(known_sections))})"
            )
        if not isinstance(table, dict):
            raise ValueError(f"{path}: [{section}] must be a table")
        for key, value in table.items():
            if SECTIONS.get(key) != section:
                where = f" (it belongs in [{SECTIONS[key]}])" if key in SECTIONS else ""
                raise ValueError(f"{path}: unknown key {section}.{key}{where}")
            changes[key] = tuple(value) if key == "gate_set" and isinstance(value, list) else value
    try:
        return DEFAULT.replace(**changes)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def default_toml_text() -> str:
    """The shipped ``default_device.toml`` (same values as ``DEFAULT``, with sources)."""
    return resources.files(__package__).joinpath("default_device.toml").read_text()
