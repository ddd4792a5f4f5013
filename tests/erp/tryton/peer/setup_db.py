"""Set up a Tryton database for the connector's tests. Runs in the Tryton virtualenv (trytond is
GPL: this is a test peer, never imported by the gateway).

Usage: python setup_db.py DATABASE CONFIG SPEC.json

SPEC: {"users": [{"login", "password", "groups": [names]}],
       "suppliers": [{"name", "partner_id"}],
       "products": [{"code", "name", "vendor_code"?, "supplier"?}],
       "purchases": [{"supplier": partner_id, "number", "lines": [{"product", "quantity", "unit_price"}]}]}
A purchase is quoted and confirmed (state ``processing``); its number is set through the purchase
sequence, as Tryton numbers purchases.
"""

import json
import sys
from decimal import Decimal

from proteus import Model
from proteus import config as pconfig
from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
from trytond.modules.account_invoice.tests.tools import (
    create_payment_term,
    set_fiscalyear_invoice_sequences,
)
from trytond.modules.company.tests.tools import create_company, get_company


def main(database: str, config_file: str, spec_path: str) -> None:
    with open(spec_path) as f:
        spec = json.load(f)
    pconfig.set_trytond(database, config_file=config_file)
    create_company()
    create_chart()
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear())
    fiscalyear.click("create_period")
    accounts = get_accounts()
    company = get_company()

    Group = Model.get("res.group")
    User = Model.get("res.user")
    for user_spec in spec.get("users", []):
        user = User(
            name=user_spec["login"], login=user_spec["login"], password=user_spec["password"]
        )
        for group in Group.find([("name", "in", user_spec["groups"])]):
            user.groups.append(group)
        user.companies.append(Model.get("company.company")(company.id))
        user.company = Model.get("company.company")(company.id)
        user.save()

    Party = Model.get("party.party")
    Identifier = Model.get("party.identifier")
    parties = {}
    for supplier in spec.get("suppliers", []):
        party = Party(name=supplier["name"])
        party.save()
        if supplier.get("partner_id"):
            Identifier(party=party, code=supplier["partner_id"]).save()
        parties[supplier.get("partner_id") or supplier["name"]] = party

    Category = Model.get("product.category")
    category = Category(
        name="Parts",
        accounting=True,
        account_expense=accounts["expense"],
        account_revenue=accounts["revenue"],
    )
    category.save()
    (unit,) = Model.get("product.uom").find([("name", "=", "Unit")])
    Template = Model.get("product.template")
    ProductSupplier = Model.get("purchase.product_supplier")
    products = {}
    for p in spec.get("products", []):
        template = Template(
            name=p["name"],
            code=p["code"],
            default_uom=unit,
            type="goods",
            purchasable=True,
            list_price=Decimal("10"),
            cost_price_method="fixed",
            account_category=category,
        )
        template.save()
        products[p["code"]] = template.products[0]
        if p.get("vendor_code"):
            ProductSupplier(
                template=template, party=parties[p["supplier"]], code=p["vendor_code"]
            ).save()

    payment_term = create_payment_term()
    payment_term.save()
    sequence = Model.get("purchase.configuration")(1).purchase_sequence
    Purchase = Model.get("purchase.purchase")
    for p in spec.get("purchases", []):
        purchase = Purchase(party=parties[p["supplier"]], payment_term=payment_term)
        purchase.invoice_method = "manual"
        for line in p["lines"]:
            purchase_line = purchase.lines.new()
            purchase_line.product = products[line["product"]]
            purchase_line.quantity = float(line["quantity"])
            purchase_line.unit_price = Decimal(line["unit_price"])
        if p.get("number"):
            sequence.reload()
            sequence.number_next = int(p["number"])
            sequence.save()
        purchase.click("quote")
        if p.get("confirm", True):
            purchase.click("confirm")
        assert not p.get("number") or purchase.number == p["number"], (purchase.number, p["number"])
    print(json.dumps({"ok": True}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
