"""Supply-network domain types: items, bills of materials, parties, ownership, sourcing,
sites, inventory, shipments, and the :class:`SupplyNetwork` that holds them.

Units are carried in the field names: ``_days`` (calendar days), ``_per_day`` (units per day),
``_per_unit`` (currency per unit of the item). Money is in one currency per network (the
network does not convert). Shares are fractions in [0, 1] (0.5 means 50 %).

Every parameter a loader had to assume (Willems' chains carry no quantity per arc, no inventory,
no capacity) is an :class:`Assumption` in :attr:`SupplyNetwork.assumptions`, so a report can
print what its figures rest on.

Pure: imports nothing of chainwatch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Literal

ItemKind = Literal["product", "assembly", "component"]
ITEM_KINDS: tuple[str, ...] = ("product", "assembly", "component")
PartyRole = Literal["supplier", "customer", "owner", "site_owner", "manufacturer", "self"]
PARTY_ROLES: tuple[str, ...] = (
    "supplier",
    "customer",
    "owner",
    "site_owner",
    "manufacturer",
    "self",
)


@dataclass(frozen=True, slots=True)
class Assumption:
    """A parameter the data did not give and a loader or analysis assumed.

    Example: ``Assumption("quantity_per", 1, "Willems arcs carry no quantity: 1 unit of the
    upstream stage per unit of the downstream stage")``.
    """

    name: str
    value: str | float | int | bool
    description: str


@dataclass(frozen=True, slots=True)
class Item:
    """A finished product, an assembly or a component.

    ``unit_cost`` is the cost of one unit (purchase price for a bought part, rolled-up cost for a
    made one); ``revenue_per_unit`` and ``margin_per_unit`` matter for products (what one unit
    sold brings in, and what it leaves after its cost). ``capacity_per_day`` of 0 means
    unconstrained / unknown. ``country`` is where the item is made (ISO alpha-2; "US" makes it
    US-origin for the de minimis rule). ``eccn`` is its export classification ("EAR99" when
    subject to the EAR but not on the Commerce Control List; "" when unknown).
    ``de_minimis_eligible`` is False for items with no de minimis level (15 CFR 734.4(a)).
    """

    id: str
    name: str
    kind: ItemKind
    demand_per_day: float = 0.0
    revenue_per_unit: float = 0.0
    margin_per_unit: float = 0.0
    unit_cost: float = 0.0
    holding_cost_per_unit_day: float = 0.0
    capacity_per_day: float = 0.0
    lead_time_days: float = 0.0
    site_id: str = ""
    country: str = ""
    eccn: str = ""
    us_origin: bool = False
    de_minimis_eligible: bool = True
    part_number: str = ""
    manufacturer: str = ""


@dataclass(frozen=True, slots=True)
class BomEdge:
    """One bill-of-materials line: ``quantity_per`` units of ``child`` go into one ``parent``.

    Quantities may be fractional (0.25 kg of resin per unit).
    """

    parent: str
    child: str
    quantity_per: float


@dataclass(frozen=True, slots=True)
class Party:
    """A company or person the network deals with: supplier, customer, owner, site owner.

    ``identifiers`` are free-form ``scheme:value`` strings (``"LEI:5493..."``, ``"DUNS:..."``).
    """

    id: str
    name: str
    country: str = ""
    identifiers: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ownership:
    """``owner`` holds ``share`` (a fraction in (0, 1]) of the equity of ``owned``."""

    owner: str
    owned: str
    share: float


@dataclass(frozen=True, slots=True)
class Source:
    """A supplier ``supplier`` (party id) delivers ``item``.

    ``share_of_volume`` is the fraction of the item's volume this source delivers today (the
    primary, non-alternate sources of an item add up to 1). An alternate source
    (``is_alternate``) delivers nothing today; ``share_of_volume`` is then the fraction of the
    item's volume it could take over once qualified, ``qualification_days`` after it is called on.

    ``us_origin`` says the part is of US origin; ``us_controlled_content_value`` is the value per
    unit of US-origin controlled content inside it (for a US-origin controlled part: its full
    value), used by the de minimis roll-up (15 CFR 734.4). ``us_content_value`` is the value per
    unit of *all* US-origin content (EAR99 included): for a buyer on the Entity List, whose
    entry covers "all items subject to the EAR", every US-origin part needs a licence, so all of
    it counts towards de minimis (0: ``us_controlled_content_value`` is used).
    ``us_direct_product`` says the foreign-made part is a direct product of US-origin
    technology or software, or made by a plant that is (15 CFR 734.9(e)); it matters only when
    the buyer's entry carries a foreign-direct-product footnote.
    """

    supplier: str
    item: str
    share_of_volume: float = 1.0
    unit_cost: float = 0.0
    lead_time_days: float = 0.0
    origin_country: str = ""
    eccn: str = ""
    us_origin: bool = False
    us_controlled_content_value: float = 0.0
    is_alternate: bool = False
    qualification_days: float = 0.0
    us_content_value: float = 0.0
    us_direct_product: bool = False


@dataclass(frozen=True, slots=True)
class Site:
    """A plant or warehouse; ``owner`` is a party id (may be empty for own sites)."""

    id: str
    name: str
    country: str = ""
    owner: str = ""
    capacity_per_day: float = 0.0


@dataclass(frozen=True, slots=True)
class Inventory:
    """``quantity_on_hand`` units of ``item`` held at ``site``."""

    site: str
    item: str
    quantity_on_hand: float


@dataclass(frozen=True, slots=True)
class Shipment:
    """A customer buys ``quantity_per_day`` of ``item`` shipped to ``destination_country``."""

    customer: str
    item: str
    destination_country: str
    quantity_per_day: float = 0.0
    unit_price: float = 0.0  # 0: the item's revenue_per_unit


Sale = Shipment


@dataclass(frozen=True, slots=True)
class Device:
    """A unit of equipment in an inventory (for the covered-equipment check): vendor as
    recorded, model, and MAC address in any common notation (``44:47:cc:..``, ``4447.cc..``)."""

    id: str
    vendor: str = ""
    model: str = ""
    mac: str = ""
    location: str = ""


@dataclass(frozen=True, slots=True)
class SupplyNetwork:
    """A whole supply network with index lookups.

    Build it with keyword arguments (tuples); the lookups are computed once. It does not
    validate: :mod:`chainwatch.network.validate` does (the loaders call it).

    >>> net = SupplyNetwork(
    ...     name="toy",
    ...     items=(Item("P", "Phone", "product"), Item("C", "Chip", "component")),
    ...     bom=(BomEdge("P", "C", 2),),
    ... )
    >>> [e.child for e in net.children("P")], net.item("C").name
    (['C'], 'Chip')
    """

    name: str = ""
    items: tuple[Item, ...] = ()
    bom: tuple[BomEdge, ...] = ()
    parties: tuple[Party, ...] = ()
    ownership: tuple[Ownership, ...] = ()
    sources: tuple[Source, ...] = ()
    sites: tuple[Site, ...] = ()
    inventory: tuple[Inventory, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    _items: Mapping[str, Item] = field(init=False, repr=False, compare=False, hash=False)
    _parties: Mapping[str, Party] = field(init=False, repr=False, compare=False, hash=False)
    _sites: Mapping[str, Site] = field(init=False, repr=False, compare=False, hash=False)
    _children: Mapping[str, tuple[BomEdge, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _parents: Mapping[str, tuple[BomEdge, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _sources_of: Mapping[str, tuple[Source, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _supplied_by: Mapping[str, tuple[Source, ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _on_hand: Mapping[str, float] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        def group(pairs: Iterable[tuple[str, object]]) -> dict[str, list[object]]:
            out: dict[str, list[object]] = {}
            for key, value in pairs:
                out.setdefault(key, []).append(value)
            return out

        def frozen(groups: dict[str, list[object]]) -> Mapping[str, tuple[object, ...]]:
            return MappingProxyType({k: tuple(v) for k, v in groups.items()})

        on_hand: dict[str, float] = {}
        for inv in self.inventory:
            on_hand[inv.item] = on_hand.get(inv.item, 0.0) + inv.quantity_on_hand
        setter = object.__setattr__
        setter(self, "_items", MappingProxyType({i.id: i for i in self.items}))
        setter(self, "_parties", MappingProxyType({p.id: p for p in self.parties}))
        setter(self, "_sites", MappingProxyType({s.id: s for s in self.sites}))
        setter(self, "_children", frozen(group((e.parent, e) for e in self.bom)))
        setter(self, "_parents", frozen(group((e.child, e) for e in self.bom)))
        setter(self, "_sources_of", frozen(group((s.item, s) for s in self.sources)))
        setter(self, "_supplied_by", frozen(group((s.supplier, s) for s in self.sources)))
        setter(self, "_on_hand", MappingProxyType(on_hand))

    # -- lookups -----------------------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError when unknown)."""
        return self._items[item_id]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._items

    def party(self, party_id: str) -> Party:
        """The party with this id (KeyError when unknown)."""
        return self._parties[party_id]

    def has_party(self, party_id: str) -> bool:
        return party_id in self._parties

    def site(self, site_id: str) -> Site:
        return self._sites[site_id]

    def has_site(self, site_id: str) -> bool:
        return site_id in self._sites

    def children(self, item_id: str) -> tuple[BomEdge, ...]:
        """BOM lines whose parent is ``item_id`` (its inputs)."""
        return self._children.get(item_id, ())

    def parents(self, item_id: str) -> tuple[BomEdge, ...]:
        """BOM lines whose child is ``item_id`` (where it is used)."""
        return self._parents.get(item_id, ())

    def sources_of(self, item_id: str) -> tuple[Source, ...]:
        """Every source (primary and alternate) of an item."""
        return self._sources_of.get(item_id, ())

    def supplied_by(self, party_id: str) -> tuple[Source, ...]:
        """Every source line of one supplier."""
        return self._supplied_by.get(party_id, ())

    def on_hand(self, item_id: str) -> float:
        """Units of the item on hand, summed over sites."""
        return self._on_hand.get(item_id, 0.0)

    def products(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == "product")

    def owners_of(self, party_id: str) -> tuple[Ownership, ...]:
        return tuple(o for o in self.ownership if o.owned == party_id)

    def assumption(self, name: str) -> Assumption | None:
        for a in self.assumptions:
            if a.name == name:
                return a
        return None


# -- designations and scenarios --------------------------------------------------------------

DesignationBasis = Literal["listed", "by-hand", "ofac-50-percent", "bis-affiliates-rule"]


@dataclass(frozen=True, slots=True)
class OwnershipStep:
    """One edge of an ownership path: ``owner`` holds ``share`` of ``owned``."""

    owner: str
    owned: str
    share: float


@dataclass(frozen=True, slots=True)
class Designation:
    """Why a party is treated as designated.

    ``lists`` are list codes (EL, SDN, MEU ...). A derived designation (``basis`` one of the
    ownership rules) carries ``paths``: for each designated owner whose stake counted, the chain
    of ownership steps from an originally listed party down to this one.
    """

    party_id: str
    basis: DesignationBasis
    lists: tuple[str, ...] = ()
    entry_ids: tuple[str, ...] = ()
    license_requirement: str = ""
    license_policy: str = ""
    aggregate_share: float = 0.0  # for derived designations: designated owners' total stake
    paths: tuple[tuple[OwnershipStep, ...], ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A set of designated parties as of a date, before the ownership rules are applied.

    ``disrupted_items`` are items cut off directly (a site lost, a stage disrupted), not
    through a party; most scenarios leave it empty.
    """

    name: str
    designations: tuple[Designation, ...] = ()
    as_of: date | None = None
    disrupted_items: tuple[str, ...] = ()
    description: str = ""

    @property
    def party_ids(self) -> frozenset[str]:
        return frozenset(d.party_id for d in self.designations)
