"""Every value of both summary tables (TABELLA RIEPILOGATIVA) and every limit of
the Condizioni, checked against the loaded product.

Each case quotes the seed line it checks; the quote must appear in the seed
(whitespace aside), so a case cannot drift from the contract it cites.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from claimcalc.product.model import (
    Amount,
    Token,
)
from claimcalc.product.schema import (
    Product,
)
from tests.conftest import product, seed_text, squash

Expected = str | dict[str, str]  # one value for every zone, or by zone


@dataclass(frozen=True)
class Case:
    article: str
    quote: str
    product: str
    limit: str
    values: dict[str, Expected]  # by level
    field: str = "amount"  # or "max_units"

    @property
    def id(self) -> str:
        field = "" if self.field == "amount" else f"-{self.field}"
        return f"{self.product}-{self.article}-{self.limit}{field}"


def im(article: str, quote: str, limit: str, *, field: str = "amount", **levels: Expected) -> Case:
    return Case(article, quote, "imaway", limit, levels, field)


def wi(article: str, quote: str, limit: str, value: Expected, *, field: str = "amount") -> Case:
    return Case(article, quote, "wi-school", limit, {"standard": value}, field)


U, INC, NC, NA = "unlimited", "included", "not_covered", "not_applicable"

IMAWAY_TABLE = [
    # A Assistenza in viaggio
    im("A1.1", "Consulenza medica telefonica Illimitato Illimitato Illimitato", "A.medical_advice.max", top=U, smart=U, easy=U),
    im("A1.2", "Invio medicinali Illimitato Illimitato Illimitato", "A.medicines.max", top=U, smart=U, easy=U),
    im("A1.2", "In ogni caso il costo di detti medicinali resta a carico dell’Assicurato.", "A.medicines.medicines_cost", top="0", smart="0", easy="0"),
    im("A1.3", "Trasporto sanitario Illimitato Illimitato Illimitato", "A.medical_transport.max", top=U, smart=U, easy=U),
    im("A1.4", "Rientro sanitario Illimitato Illimitato Illimitato", "A.medical_repatriation.max", top=U, smart=U, easy=U),
    im("A1.5", "Rientro del convalescente Illimitato € 4.000,00 € 1.500,00", "A.convalescent_return.max", top=U, smart="4000", easy="1500"),
    im("A1.6", "Viaggio di un famigliare: costo viaggio € 800,00 € 500,00 € 200,00", "A.family_visit_travel.max", top="800", smart="500", easy="200"),
    im("A1.6", "Viaggio di un famigliare: soggiorno 10gg per 80€/gg. 8gg per 60€/gg. 8gg per 50€/gg.", "A.family_visit_stay.per_day", top="80", smart="60", easy="50"),
    im("A1.6", "Viaggio di un famigliare: soggiorno 10gg per 80€/gg. 8gg per 60€/gg. 8gg per 50€/gg.", "A.family_visit_stay.per_day", field="max_units", top="10", smart="8", easy="8"),
    im("A1.7", "Rientro anticipato dell'assicurato € 5.000,00 € 3.500,00 € 1.500,00", "A.early_return.max", top="5000", smart="3500", easy="1500"),
    im("A1.8", "Prolungamento soggiorno fino a 6gg; max 120€/gg fino a 4gg; max 100€/gg fino a 3gg; max 80€/gg", "A.extended_stay.per_day", top="120", smart="100", easy="80"),
    im("A1.8", "Prolungamento soggiorno fino a 6gg; max 120€/gg fino a 4gg; max 100€/gg fino a 3gg; max 80€/gg", "A.extended_stay.per_day", field="max_units", top="6", smart="4", easy="3"),
    im("A1.9", "Segnalazione di un legale Inclusa Inclusa Inclusa", "A.legal_referral.max", top=INC, smart=INC, easy=INC),
    im("A1.9", "Anticipo spese difesa € 3.000,00 € 2.000,00 € 1.500,00", "A.defence_costs_advance.max", top="3000", smart="2000", easy="1500"),
    im("A1.9", "Eventuale cauzione penale € 15.000,00 € 7.500,00 € 2.500,00", "A.bail_advance.max", top="15000", smart="7500", easy="2500"),
    im("A1.10", "Interprete a disposizione € 1.500,00 € 1.000,00 € 400,00", "A.interpreter.max", top="1500", smart="1000", easy="400"),
    im("A1.11", "Anticipo spese prima necessità € 5.000,00 € 3.500,00 € 2.000,00", "A.emergency_cash_advance.max", top="5000", smart="3500", easy="2000"),
    im("A1.12", "Trasmissione messaggi urgenti Illimitato Illimitato Illimitato", "A.urgent_messages.max", top=U, smart=U, easy=U),
    im("A1.13", "Rimpatrio salma Illimitato Illimitato Illimitato", "A.repatriation_of_remains.max", top=U, smart=U, easy=U),
    im("A1.14", "Rimborso spese telefoniche € 150,00 € 100,00 € 50,00", "A.phone_costs.max", top="150", smart="100", easy="50"),
    # B Assistenza famigliari a casa
    im("B1.1", "Consulto medico Illimitato Illimitato Illimitato", "B.medical_advice.max", top=U, smart=U, easy=U),
    im("B1.2", "Invio di medicinali urgenti Illimitato Illimitato Illimitato", "B.urgent_medicines.max", top=U, smart=U, easy=U),
    im("B1.2", "Il Costo dei farmaci è interamente a carico dell’Assicurato.", "B.urgent_medicines.medicines_cost", top="0", smart="0", easy="0"),
    im("B1.3", "Invio di un medico Illimitato Illimitato Illimitato", "B.doctor_visit.max", top=U, smart=U, easy=U),
    im("B1.4", "Assistenza infermieristica domiciliare € 500,00 € 500,00 € 500,00", "B.home_nursing.max", top="500", smart="500", easy="500"),
    # C Assistenza abitazione
    im("C1.1", "Fabbro € 150,00 € 150,00 € 150,00", "C.locksmith.max", top="150", smart="150", easy="150"),
    im("C1.2", "Guardia giurata 10 ore 10 ore 10 ore", "C.security_guard.hours", top="10", smart="10", easy="10"),
    im("C1.3", "Idraulico € 150,00 € 150,00 € 150,00", "C.plumber.max", top="150", smart="150", easy="150"),
    im("C1.4", "Elettricista € 150,00 € 150,00 € 150,00", "C.electrician.max", top="150", smart="150", easy="150"),
    # D Spese mediche
    im("D2", "Mondo intero € 5.000.000 € 5.000.000 € 5.000.000 Mondo escluso USA/Canada € 2.000.000 € 2.000.000 € 2.000.000 Europa € 1.000.000 € 1.000.000 € 1.000.000 Italia € 3.000 € 2.000 € 1.000",
       "D.zone",
       top={"mondo": "5000000", "mondo_escl_usa_canada": "2000000", "europa": "1000000", "italia": "3000"},
       smart={"mondo": "5000000", "mondo_escl_usa_canada": "2000000", "europa": "1000000", "italia": "2000"},
       easy={"mondo": "5000000", "mondo_escl_usa_canada": "2000000", "europa": "1000000", "italia": "1000"}),
    im("D2", "Sottolimite: età compresa tra i 61 e i 69 anni € 200.000 € 200.000 € 200.000", "D.age_61_69",
       top={"italia": NA, "europa": "200000", "mondo_escl_usa_canada": "200000", "mondo": "200000"},
       smart={"italia": NA, "europa": "200000", "mondo_escl_usa_canada": "200000", "mondo": "200000"},
       easy={"italia": NA, "europa": "200000", "mondo_escl_usa_canada": "200000", "mondo": "200000"}),
    im("D2", "Sottolimite: età compresa tra i 70 e i 75 anni € 50.000 € 50.000 € 50.000", "D.age_70_75",
       top={"italia": NA, "europa": "50000", "mondo_escl_usa_canada": "50000", "mondo": "50000"},
       smart={"italia": NA, "europa": "50000", "mondo_escl_usa_canada": "50000", "mondo": "50000"},
       easy={"italia": NA, "europa": "50000", "mondo_escl_usa_canada": "50000", "mondo": "50000"}),
    im("D2 a", "Sottolimite: Spese mediche e farmaceutiche € 3.000 € 2.000 € 1.000", "D.medical_pharma.max", top="3000", smart="2000", easy="1000"),
    im("D2 b", "Sottolimite: Spese per cure al rientro € 550 € 450 € 400", "D.return_care.max", top="550", smart="450", easy="400"),
    im("D2 c", "Sottolimite: Spese odontoiatriche urgenti € 550 € 400 € 200", "D.dental.max", top="550", smart="400", easy="200"),
    # E Bagaglio
    im("E2", "E Bagaglio Inclusa Inclusa Esclusa Mondo intero € 1.500 € 1.250 Mondo escluso USA/Canada € 1.250 € 1.000 Europa € 1.000 € 750",
       "E.zone",
       top={"mondo": "1500", "mondo_escl_usa_canada": "1250", "europa": "1000", "italia": "1000"},
       smart={"mondo": "1250", "mondo_escl_usa_canada": "1000", "europa": "750", "italia": "750"},
       easy=NC),
    im("E2 a", "Sottolimite: Spese di prima necessità (ritardo oltre 8 ore) € 150 € 150", "E.essentials.max", top="150", smart="150", easy=NC),
    im("E2 b", "Sottolimite: Rifacimento documenti € 300 € 200", "E.documents.max", top="300", smart="200", easy=NC),
    im("E2", "Sottolimite: per singolo oggetto € 200 € 200", "E.per_object", top="200", smart="200", easy=NC),
    # F Ritardata partenza volo
    im("F1", "Massimale per Assicurato € 75,00 ogni 8h / Max € 450,00 € 50,00 ogni 8h / Max € 300,00", "F.block", top="75", smart="50", easy=NC),
    im("F1", "Massimale per Assicurato € 75,00 ogni 8h / Max € 450,00 € 50,00 ogni 8h / Max € 300,00", "F.max", top="450", smart="300", easy=NC),
    # G Rinuncia al volo
    im("G1", "G Rinuncia al volo a seguito a di ritardata partenza Inclusa Inclusa Esclusa NO Franchigia Massimale per Assicurato € 600 € 300", "G.max", top="600", smart="300", easy=NC),
    # H Perdita dei servizi
    im("H1", "H Perdita dei Servizi Inclusa Inclusa Esclusa NO Franchigia Mondo intero € 500 € 250 Europa € 200 € 100",
       "H.max",
       top={"mondo": "500", "mondo_escl_usa_canada": "500", "europa": "200", "italia": "200"},
       smart={"mondo": "250", "mondo_escl_usa_canada": "250", "europa": "100", "italia": "100"},
       easy=NC),
    # I Interruzione
    im("I1", "I Interruzione del viaggio Inclusa Esclusa Esclusa NO Franchigia Mondo intero € 1.000 Mondo escluso USA/Canada € 750 Europa € 500",
       "I.zone",
       top={"mondo": "1000", "mondo_escl_usa_canada": "750", "europa": "500", "italia": "500"},
       smart=NC, easy=NC),
    # L Infortuni
    im("L2", "L Infortuni in viaggio compreso volo Inclusa Esclusa Esclusa Per persona € 25.000", "L.sum_insured", top="25000", smart=NC, easy=NC),
    # M Annullamento
    im("M5", "M Annullamento viaggio Inclusa Esclusa Esclusa Massimale per Persona € 3.000", "M.max", top="3000", smart=NC, easy=NC),
    im("M5", "Sottolimite servizi di sola biglietteria per persona € 1.400", "M.flights_only", top="1400", smart=NC, easy=NC),
]

IMAWAY_CONDIZIONI = [
    im("A1.5", "Illimitato € 4.000,00 € 1.500,00 6-VIAGGIO DI UN FAMIGLIARE", "A.convalescent_return.max", top=U, smart="4000", easy="1500"),
    im("A1.6", "Costo Viaggio fino a: € 800,00 € 500,00 € 200,00", "A.family_visit_travel.max", top="800", smart="500", easy="200"),
    im("A1.7", "per anno assicurativo fino a: € 5.000,00 € 3.500,00 € 1.500,00 8-PROLUNGAMENTO SOGGIORNO", "A.early_return.max", top="5000", smart="3500", easy="1500"),
    im("A1.10", "per anno assicurativo fino a: € 1.500,00 € 1.000,00 € 400,00 11-ANTICIPO", "A.interpreter.max", top="1500", smart="1000", easy="400"),
    im("A1.11", "per anno assicurativo fino a: € 5.000,00 € 3.500,00 € 2.000,00 12-TRASMISSIONE", "A.emergency_cash_advance.max", top="5000", smart="3500", easy="2000"),
    im("A1.14", "per anno assicurativo fino a: € 150,00 € 100,00 € 50,00 Art.A2", "A.phone_costs.max", top="150", smart="100", easy="50"),
    im("B1.4", "per anno assicurativo fino a: € 500,00 € 500,00 € 500,00 C) ASSISTENZA", "B.home_nursing.max", top="500", smart="500", easy="500"),
    im("C1.1", "La Società terrà a proprio carico il costo dell’uscita e della manodopera sino ad un massimo di € 150,00 per sinistro.", "C.locksmith.max", top="150", smart="150", easy="150"),
    im("C1.2", "La Società tiene a proprio carico il costo sino ad un tempo massimo di 10 ore di sorveglianza.", "C.security_guard.hours", top="10", smart="10", easy="10"),
    im("C1", "1. tutti i costi relativi al materiale per la riparazione restano a carico dell'Assicurato.", "C.locksmith.materials", top="0", smart="0", easy="0"),
    im("C1.1", "in modo tale da non garantire la sicurezza dei locali della stessa. La Società terrà a proprio carico il costo dell’uscita e della manodopera sino ad un massimo di € 150,00 per sinistro. Livello delle coperture Imaway Top Imaway Smart Imaway Easy Massimale per persona, per viaggio e per anno assicurativo fino a: € 150,00 € 150,00 € 150,00", "C.locksmith.year", top="150", smart="150", easy="150"),
    im("C1.3", "provocato da una otturazione alle tubature di scarico dell'impianto idraulico. La Società terrà a proprio carico il costo dell’uscita e della manodopera sino ad un massimo di € 150,00 per sinistro. Livello delle coperture Imaway Top Imaway Smart Imaway Easy Massimale per persona, per viaggio e per anno assicurativo fino a: € 150,00 € 150,00 € 150,00", "C.plumber.year", top="150", smart="150", easy="150"),
    im("C1.4", "agli impianti di distribuzione interna o alle prese di corrente. La Società terrà a proprio carico il costo dell’uscita e della manodopera sino ad un massimo di € 150,00 per sinistro. Livello delle coperture Imaway Top Imaway Smart Imaway Easy Massimale per persona, per viaggio e per anno assicurativo fino a: € 150,00 € 150,00 € 150,00", "C.electrician.year", top="150", smart="150", easy="150"),
    im("C1", "1. tutti i costi relativi al materiale per la riparazione restano a carico dell'Assicurato.", "C.plumber.materials", top="0", smart="0", easy="0"),
    im("C1", "1. tutti i costi relativi al materiale per la riparazione restano a carico dell'Assicurato.", "C.electrician.materials", top="0", smart="0", easy="0"),
    im("D2", "La garanzia, comunque, sarà operante per un periodo non superiore a 100 giorni complessivi di degenza ospedaliera.", "D.hospital_days", top="100", smart="100", easy="100"),
    im("D2", "Italia: € 3.000,00 € 2.000,00 € 1.000,00", "D.zone",
       top={"mondo": "5000000", "mondo_escl_usa_canada": "2000000", "europa": "1000000", "italia": "3000"},
       smart={"mondo": "5000000", "mondo_escl_usa_canada": "2000000", "europa": "1000000", "italia": "2000"},
       easy={"mondo": "5000000", "mondo_escl_usa_canada": "2000000", "europa": "1000000", "italia": "1000"}),
    im("D2 a", "per anno assicurativo fino a: € 3.000,00 € 2.000,00 € 1.000,00 b) Spese per cure al rientro", "D.medical_pharma.max", top="3000", smart="2000", easy="1000"),
    im("D2 b", "per anno assicurativo fino a: € 550,00 € 450,00 € 400,00 c) Spese odontoiatriche", "D.return_care.max", top="550", smart="450", easy="400"),
    im("D2 c", "per anno assicurativo fino a: € 550,00 € 400,00 € 200,00 Art. D3", "D.dental.max", top="550", smart="400", easy="200"),
    im("E2", "Mondo intero: € 1.500,00 € 1.250,00 Esclusa Mondo escluso Usa – Canada: € 1.250,00 € 1.000,00 Esclusa Europa: € 1.000,00 € 750,00 Esclusa",
       "E.zone",
       top={"mondo": "1500", "mondo_escl_usa_canada": "1250", "europa": "1000", "italia": "1000"},
       smart={"mondo": "1250", "mondo_escl_usa_canada": "1000", "europa": "750", "italia": "750"},
       easy=NC),
    im("E2 a", "anno assicurativo fino a: € 150,00 € 150,00 Esclusa b) RIFACIMENTO DOCUMENTI", "E.essentials.max", top="150", smart="150", easy=NC),
    im("E2 b", "anno assicurativo fino a: € 300,00 € 200,00 Esclusa Art. E3", "E.documents.max", top="300", smart="200", easy=NC),
    im("E2", "Limite massimo per singolo oggetto (vedi anche Art. E3) 50% della somma assicurata con il massimo di € 200,00.", "E.per_object", top="200", smart="200", easy=NC),
    im("F1", "€ 75,00 ogni otto ore di ritardo, con un massimo € 450,00 € 50,00 ogni otto ore di ritardo, con un massimo € 300,00 Esclusa", "F.max", top="450", smart="300", easy=NC),
    im("F5", "l’esborso massimo complessivo a carico della Società non potrà essere superiore a € 6.000,00. Se gli indennizzi complessivamente dovuti eccedessero tale importo, la Società procederà alla loro riduzione proporzionale. G) RINUNCIA", "F.event", top="6000", smart="6000", easy=NC),
    im("G1", "per anno assicurativo fino a: € 600,00 € 300,00 Esclusa Art. G2", "G.max", top="600", smart="300", easy=NC),
    im("G5", "l’esborso massimo complessivo a carico della Società non potrà essere superiore a € 6.000,00. Se gli indennizzi complessivamente dovuti eccedessero tale importo, la Società procederà alla loro riduzione proporzionale. H) PERDITA", "G.event", top="6000", smart="6000", easy=NC),
    im("H1", "Europa € 200,00 € 100,00 Esclusa Mondo Intero € 500,00 € 250,00 Esclusa", "H.max",
       top={"mondo": "500", "mondo_escl_usa_canada": "500", "europa": "200", "italia": "200"},
       smart={"mondo": "250", "mondo_escl_usa_canada": "250", "europa": "100", "italia": "100"},
       easy=NC),
    im("I1", "Mondo intero: € 1.000,00 Esclusa Esclusa Mondo escluso Usa – Canada: € 750,00 Esclusa Esclusa Europa: € 500,00 Esclusa Esclusa", "I.zone",
       top={"mondo": "1000", "mondo_escl_usa_canada": "750", "europa": "500", "italia": "500"}, smart=NC, easy=NC),
    im("L2", "assicurativo fino a: € 25.000,00 Esclusa Esclusa", "L.sum_insured", top="25000", smart=NC, easy=NC),
    im("M5", "Massimale per persona e per periodo assicurativo fino a: € 3.000,00", "M.max", top="3000", smart=NC, easy=NC),
    im("M2 c", "Il massimale assicurato (ed “assicurabile”) per l’annullamento dei servizi di sola biglietteria dell’intero viaggio assicurato non potrà superare € 1.400,00.", "M.flights_only", top="1400", smart=NC, easy=NC),
]

WI_TABLE = [
    wi("A1.1", "Consulenza medica telefonica Illimitato", "A.medical_advice.max", U),
    wi("A1.2", "Invio di un medico in Italia in casi di urgenza Incluso", "A.doctor_in_italy.max", {"italia": INC, "europa": NC, "mondo": NC}),
    wi("A1.3", "Segnalazione di un medico all'estero Incluso", "A.doctor_abroad_referral.max", {"italia": NC, "europa": INC, "mondo": INC}),
    wi("A1.4", "Monitoraggio del ricovero ospedaliero Incluso", "A.hospital_monitoring.max", INC),
    wi("A1.5", "Trasporto sanitario organizzato Illimitato", "A.medical_transport.max", U),
    wi("A1.6", "Trasporto della salma Incluso", "A.repatriation_of_remains.max", INC),
    wi("A1.7", "Viaggio di un familiare in caso di ospedalizzazione € 100 per max 10gg", "A.family_visit.per_day", "100"),
    wi("A1.7", "Viaggio di un familiare in caso di ospedalizzazione € 100 per max 10gg", "A.family_visit.per_day", "10", field="max_units"),
    wi("A1.8", "Assistenza ai minori Incluso", "A.minors_assistance.max", INC),
    wi("A1.9", "Rientro dell’assicurato convalescente Incluso", "A.convalescent_return.max", INC),
    wi("A1.10", "Prolungamento del soggiorno €100 per max 10gg", "A.extended_stay.per_day", "100"),
    wi("A1.10", "Prolungamento del soggiorno €100 per max 10gg", "A.extended_stay.per_day", "10", field="max_units"),
    wi("A1.11", "Invio urgente di medicinali all'estero Incluso", "A.urgent_medicines_abroad.max", {"italia": NC, "europa": INC, "mondo": INC}),
    wi("A1.11", "In ogni caso il costo di detti medicinali resta a carico dell’Assicurato.", "A.urgent_medicines_abroad.medicines_cost", "0"),
    wi("A1.12", "Interprete a disposizione all'estero €1.000,00", "A.interpreter_abroad.max", {"italia": NC, "europa": "1000", "mondo": "1000"}),
    wi("A1.13", "Anticipo spese di prima necessita €8.000,00", "A.emergency_cash_advance.max", "8000"),
    wi("A1.14", "Rientro anticipato Incluso", "A.early_return.max", INC),
    wi("A1.15", "Spese telefoniche/telegrafiche €100,00", "A.phone_costs.max", "100"),
    wi("A1.15", "Rimborso spese taxi (in Italia) €60,00 Rimborso spese taxi (all'estero) €120,00", "A.taxi.max", {"italia": "60", "europa": "120", "mondo": "120"}),
    wi("A1.16", "Trasmissione messaggi urgenti Incluso", "A.urgent_messages.max", INC),
    wi("A1.17", "Spese di soccorso ricerca e di recupero €1.500,00", "A.search_and_rescue.max", "1500"),
    wi("A1.18", "Segnalazione di un legale Inclusa", "A.legal_referral.max", {"italia": NC, "europa": INC, "mondo": INC}),
    wi("A1.18", "Anticipo spese difesa €3.000,00", "A.defence_costs_advance.max", {"italia": NC, "europa": "3000", "mondo": "3000"}),
    wi("A1.18", "Anticipo cauzione penale all'estero € 25.000,00", "A.bail_advance.max", {"italia": NC, "europa": "25000", "mondo": "25000"}),
    wi("A1.19", "Rimborso spese Docenti Accompagnatori € 750,00", "A.teacher_expenses.max", "750"),
    wi("A1.19", "sottolimite per stampelle e presidi medici indispensabili €100,00", "A.teacher_expenses.medical_aids", "100"),
    wi("B1", "Mondo intero compreso Usa e Canada €5.000,00 Europa €5.000,00 Italia €2.500,00 €50,00", "B.zone", {"italia": "2500", "europa": "5000", "mondo": "5000"}),
    wi("B2 a", "a) Spese mediche e farmaceutiche € 750,00", "B.medical_pharma.max", "750"),
    wi("B2 b", "b) Spese per cure al rientro conseguenti ad infortunio €1.000,00", "B.return_care.max", "1000"),
    wi("B2 c", "c) Spese odontoiatriche urgenti €200,00", "B.dental.max", "200"),
    wi("C2", "Per persona € 500,00", "C.zone", "500"),
    wi("C2 a", "Sottolimite: Spese di prima necessita (ritardo oltre 12 ore) €300,00 NO Franchigia", "C.essentials.max", "300"),
    wi("C2 b", "Sottolimite: Rifacimento documenti € 300,00", "C.documents.max", "300"),
    wi("C2", "Sottolimite: Limite singolo oggetto €300,00", "C.per_object", "300"),
    wi("D2", "- Caso Morte € 50.000,00 5,00%", "D.death_sum", "50000"),
    wi("D3", "Caso Invalidita permanente €50.000,00", "D.invalidity_sum", "50000"),
    wi("D4", "Per evento € 300.000,00", "D.event", "300000"),
    wi("E3", "E Rischio Zero m Per persona € 250,00 NO Franchigia", "E.per_insured", "250"),
    wi("E3", "Per evento € 10.000,00 F Annullamento viaggio", "E.event", "10000"),
    wi("F3", "Italia € 800,00 Europa e Mondo €2.000,00", "F.max", {"italia": "800", "europa": "2000", "mondo": "2000"}),
]

WI_CONDIZIONI = [
    wi("A1.5", "sostenute per I'eventuale rientro dello studente Assicurato e comunque entro il limite di € 750,00. 6. TRASPORTO DELLA SALMA", "A.student_return_by_teacher.max", "750"),
    wi("A1.7", "spese di pernottamento fino ad un ammontare di € 100,00 al giorno e per un massimo di 10 giorni per un familiare. 8. ASSISTENZA", "A.family_visit.per_day", "100"),
    wi("A1.10", "10 giorni e comunque entro il limite di € 100,00 al giorno. 11. INVIO URGENTE", "A.extended_stay.per_day", "100"),
    wi("A1.12", "organizzera il reperimento di un interprete e la Societa ne assumera il costo fino a € 1.000,00. 13. ANTICIPO", "A.interpreter_abroad.max", {"italia": NC, "europa": "1000", "mondo": "1000"}),
    wi("A1.13", "all'Assicurato stesso fino all'importo di € 8.000,00 a fronte di garanzia", "A.emergency_cash_advance.max", "8000"),
    wi("A1.15", "studente assicurato fino a concorrenza di € 100,00. La Societa provvedera a rimborsare anche le eventuali spese di taxi", "A.phone_costs.max", "100"),
    wi("A1.15", "entro il limite di € 60,00 in Italia e € 120,00 all’estero.", "A.taxi.max", {"italia": "60", "europa": "120", "mondo": "120"}),
    wi("A1.17", "le spese di ricerca e di soccorso sono garantite fino ad un importo di € 1.500,00 per persona", "A.search_and_rescue.max", "1500"),
    wi("A1.18", "Eventuale anticipo spese di difesa: € 3.000,00 Eventuale cauzione penale: € 25.000,00 19.", "A.bail_advance.max", {"italia": NC, "europa": "25000", "mondo": "25000"}),
    wi("A1.19", "verra rimborsato entro un limite di € 750,00 delle spese sostenute e con il sottolimite di € 100,00 per acquisto di stampelle", "A.teacher_expenses.medical_aids", "100"),
    wi("A2", "provvedera al rimborso, entro e non oltre I'importo di € 750,00 e comunque nella misura strettamente necessaria, anche se sostenute dal docente accompagnatore.", "A.early_return.self_organised", "750"),
    wi("A2", "provvedera al rimborso, entro e non oltre I'importo di € 750,00 e comunque nella misura strettamente necessaria, anche se sostenute dal docente accompagnatore.", "A.family_visit.self_organised", "750"),
    wi("A2", "provvedera al rimborso, entro e non oltre I'importo di € 750,00 e comunque nella misura strettamente necessaria, anche se sostenute dal docente accompagnatore.", "A.convalescent_return.self_organised", "750"),
    wi("A2", "provvedera al rimborso, entro e non oltre I'importo di € 750,00 e comunque nella misura strettamente necessaria, anche se sostenute dal docente accompagnatore.", "A.repatriation_of_remains.self_organised", "750"),
    wi("B1", "MONDO INTERO INCLUSO EUROPA ITALIA USA E CANADA €5.000,00 €5.000,00 € 2.500,00", "B.zone", {"italia": "2500", "europa": "5000", "mondo": "5000"}),
    wi("B2 a", "sostenute in viaggio. Massimale per persona e per viaggio fino a: € 750,00", "B.medical_pharma.max", "750"),
    wi("B2 b", "Massimale per persona e per viaggio fino a: € 1.000,00 c) Spese odontoiatriche", "B.return_care.max", "1000"),
    wi("B2 c", "Massimale per persona e per viaggio fino a: € 200,00 ATTENZIONE!", "B.dental.max", "200"),
    wi("C2", "MONDO INTERO INCLUSO EUROPA ITALIA USA E CANADA € 500,00 € 500,00 € 500,00 Limite massimo per singolo oggetto € 300,00.", "C.zone", "500"),
    wi("C2", "Limite massimo per singolo oggetto € 300,00.", "C.per_object", "300"),
    wi("C2 a", "Massimale per persona e per periodo assicurativo fino a: € 300,00 b) RIFACIMENTO DOCUMENTI", "C.essentials.max", "300"),
    wi("C2 b", "Massimale per persona e per periodo assicurativo fino a: € 300,00 Art. C3", "C.documents.max", "300"),
    wi("D1", "nel periodo di efficacia della garanzia ed entro il massimale di € 50.000,00 per Assicurato.", "D.death_sum", "50000"),
    wi("D3", "la Societa liquida I'intera somma assicurata entro il massimale di € 50.000,00 per Assicurato.", "D.invalidity_sum", "50000"),
    wi("D4", "I'esborso massimo di guest’ultima non potra superare I'importo di € 300.000,00 per evento.", "D.event", "300000"),
    wi("E3", "per una somma non superiore ad € 250,00 per ciascun Assicurato e ad € 10.000,00 per ogni evento;", "E.per_insured", "250"),
    wi("E3", "per una somma non superiore ad € 250,00 per ciascun Assicurato e ad € 10.000,00 per ogni evento;", "E.event", "10000"),
    wi("E3", "Le garanzie vengono prestate fino alla concorrenza del costo del viaggio", "E.trip_cost", "trip_cost"),
    wi("F3", "nel limite per Assicurato di € 800,00 per i viaggi in ltalia e di € 2.000,00 per tutte le altre destinazioni.", "F.max", {"italia": "800", "europa": "2000", "mondo": "2000"}),
]

ALL_CASES = IMAWAY_TABLE + IMAWAY_CONDIZIONI + WI_TABLE + WI_CONDIZIONI


def _expected(value: str) -> Amount:
    try:
        return Token(value)
    except ValueError:
        return Decimal(value)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_quote_is_in_the_seed(case: Case) -> None:
    assert squash(case.quote) in seed_text(case.product)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_limit_matches_the_contract(case: Case) -> None:
    loaded: Product = product(case.product)
    limit = loaded.limit(case.limit)
    assert case.article in limit.source.article, (
        f"{case.limit} cites {limit.source.article}, the case checks {case.article}"
    )
    matrix = getattr(limit, case.field)
    assert set(case.values) == set(loaded.level_ids)
    for level, expected in case.values.items():
        for zone in loaded.zone_ids:
            want = expected if isinstance(expected, str) else expected[zone]
            got = loaded.amount(matrix, level, zone)
            assert got == _expected(want), f"{level}/{zone}: {got} != {want}"


def test_every_limit_in_the_products_is_checked_against_a_seed_line() -> None:
    checked = {(c.product, c.limit) for c in ALL_CASES}
    for product_id in ("imaway", "wi-school"):
        loaded = product(product_id)
        for section in loaded.sections:
            ids = [lim.id for lim in section.limits] + [
                lim.id for g in section.guarantees for lim in g.limits
            ]
            missing = [i for i in ids if (product_id, i) not in checked]
            assert not missing, f"{product_id}: limits without a seed-quoting case: {missing}"
