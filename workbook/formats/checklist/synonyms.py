"""What a column's header says it holds: its text normalised, and each field's synonyms in nine languages."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from workbook.formats.sheets.cells import clean_text

# Fields write-back fills that are not request fields: the auditor's own response and evidence columns.
ANSWER_ONLY_FIELDS = ("response", "evidence")

_TOKEN_ALIASES = {
    "number": "#",
    "no": "#",
    "num": "#",
    "nbr": "#",
    "nr": "#",
    "nro": "#",
    "numero": "#",
    "nummer": "#",
    "n": "#",
    "ids": "id",
    "comments": "comment",
    "notes": "note",
    "remarks": "remark",
    "reference": "ref",
    "references": "refs",
    "desc": "description",
    "descr": "description",
    "dates": "date",
    "owners": "owner",
    "assignees": "assignee",
    "requests": "request",
    "items": "item",
    "details": "detail",
    "controls": "control",
    "criterion": "criteria",
    "soc2": "soc 2",
}

# Synonyms by field: (confidence, phrases split by "|"), English first, then fr, de, es, pt, it, nl, ja, ko.
# An exact match gives the confidence; a header containing a phrase gives 70 % of it (the mapping then asks
# the column's values whether they agree).
_SYNONYM_TABLE: dict[str, tuple[tuple[float, str], ...]] = {
    "ref": (
        (
            1.0,
            "request id|request #|request ref|pbc #|pbc id|pbc ref|pbc|evidence id|evidence #|evidence ref|"
            "item #|item id|ref|ref #|ref id|irl #|irl id|irl ref|req #|req id|requirement id|requirement #|"
            "ticket #|ticket id|test id|test #|question id|question #|request item #|document request #|"
            "pbc item #|pbc request #|tracking #|tracking id|unique id|erl #|erl id|request number|"
            "reference id|question number|procedure id|assessment id|check id|finding id|v id|rule id|"
            # fr de es pt it nl
            "id demande|# demande|ref demande|identifiant|id anforderung|anforderung id|anforderungs id|"
            "referenz|kennung|id solicitud|# solicitud|identificador|codigo|id solicitacao|referencia|"
            "riferimento|rif|id richiesta|codice|kenmerk|referentie|"
            # ja ko
            "管理番号|項番|依頼番号|リスクid|統制id|要求id|통제 번호|통제번호|관리번호|요청 번호|항목 번호",
        ),
        (
            0.85,
            "control id|control #|control ref|control identifier|control code|identifier|id|code|"
            "safeguard id|safeguard #|requirement ref|"
            "ref controle|id controle|kontroll id|id control|id controle|id controllo|control id|"
            "統制番号|コントロールid|통제 id",
        ),
        (0.7, "#|s #|sl #|sr #|item|key|line #|番号|no|번호|순번|連番|通番"),
    ),
    "title": (
        (
            0.9,
            "title|request title|name|control name|control title|short description|subject|summary|"
            "requested item|document name|evidence name|evidence title|item name|request name|test name|"
            "artifact|documentation artifact|deliverable|document title|requirement title|question title|"
            "titre|intitule|libelle|nom|objet|titel|bezeichnung|uberschrift|titulo|nombre|denominacion|"
            "nome|titolo|denominazione|naam|"
            "タイトル|名称|件名|統制名|項目名|表題|제목|명칭|통제활동명|항목명|통제명",
        ),
        (
            0.6,
            "recommendation|document|control|objective|topic name|control objective|check|"
            "objectif|ziel|objetivo|obiettivo|doel|統制目的|통제목적",
        ),
    ),
    "request": (
        (
            0.95,
            "request|request description|description|request detail|detail|evidence requested|"
            "information requested|requested information|documents requested|document request|"
            "requested evidence|requested documentation|item description|request text|requirement|"
            "requirement description|control description|control text|control activity|"
            "control activity description|evidence description|evidence required|required evidence|"
            "pbc description|pbc request|question|question text|documentation requested|evidence request|"
            "what is needed|request detail description|information request|checklist item|request details|"
            "information required|description of request|audit request|data request|"
            # fr
            "demande|description de la demande|contenu|exigence|question|detail de la demande|"
            "document demande|documents demandes|pieces demandees|element demande|elements demandes|"
            "libelle de la demande|information demandee|"
            # de
            "anforderung|inhalt|beschreibung|frage|anfrage|angeforderte unterlagen|angeforderte dokumente|"
            "anforderungstext|pruffrage|"
            # es pt
            "solicitud|descripcion|requisito|pregunta|contenido|informacion solicitada|"
            "documentacion solicitada|solicitacao|descricao|pergunta|conteudo|informacao solicitada|"
            "documentacao solicitada|"
            # it nl
            "richiesta|descrizione|domanda|contenuto|documentazione richiesta|informazioni richieste|"
            "verzoek|omschrijving|beschrijving|eis|vraag|inhoud|gevraagde informatie|gevraagde documenten|"
            # ja ko
            "内容|統制の内容|統制内容|依頼内容|要求事項|質問|説明|統制活動|依頼資料|要求内容|確認事項|"
            "요청|설명|통제활동 설명|내용|요구사항|질문|요청 자료|요청사항|통제 내용",
        ),
        (
            0.6,
            "test procedure|assessment objective|ask|security principle|objectives|procedure|"
            "guidance|testing procedure|control statement|"
            "procedure de test|prufverfahren|procedimiento|procedimento|procedura|testprocedure|"
            "テスト手続|테스트 절차",
        ),
    ),
    "criteria": (
        (
            0.95,
            "criteria|tsc|tsc ref|tsc refs|tsc #|tsc id|tsc criteria|trust services criteria|"
            "trust service criteria|tsc mapping|criteria mapping|mapped criteria|related criteria|"
            "criteria ref|soc 2 criteria|soc 2 ref|coso principle|common criteria|cc ref|tsc reference|"
            "applicable criteria|criteria refs|tsc criteria ref|ccm control id|ccm id|"
            "criteres|kriterien|criterios|criterios tsc|criteri|基準|規準|기준",
        ),
        (
            0.8,
            "control mapping|framework ref|framework mapping|coso|cc|revision 5 control|rev 5 control|"
            "800 53 control|27001 control|iso control|nist control|mapped control|csf control|"
            "mapping|requirement ref|referentiel|zuordnung|mapeo|mapeamento|mappatura|koppeling",
        ),
        (
            0.6,
            "related control|refs|related ref|requirement|control|controls reference|"
            "exigence|anforderung|requisito|eis|要件|요구사항",
        ),
    ),
    "section": (
        (
            0.9,
            "section|category|domain|control domain|area|main area|family|control family|process|group|"
            "module|control area|control category|process area|workstream|business process|audit area|"
            "section name|category name|request category|ccm domain|chapter|"
            "categorie|domaine|theme|rubrique|processus|chapitre|bereich|kategorie|abschnitt|domane|"
            "thema|prozess|kapitel|baustein|seccion|categoria|dominio|area|proceso|capitulo|tema|secao|"
            "processo|sezione|capitolo|sectie|domein|gebied|proces|hoofdstuk|onderwerp|"
            "業務|プロセス|分類|区分|カテゴリ|領域|サイクル|業務プロセス|프로세스|분류|영역|카테고리|사이클|관리분류",
        ),
        (0.7, "function|cycle|topic|type|request type|theme|sub area|subcategory|sous domaine|unterbereich"),
    ),
    "owner": (
        (
            0.95,
            "owner|assigned to|assignee|responsible|responsible party|responsible person|"
            "person responsible|client owner|client contact|point of contact|poc|provided by|control owner|"
            "process owner|owner name|assigned|client poc|responsibility|request owner|evidence owner|"
            "client responsible|accountable|action owner|task owner|document owner|"
            "responsable|proprietaire|porteur|attribue a|interlocuteur|pilote|verantwortlich|"
            "verantwortlicher|zustandig|zustandigkeit|ansprechpartner|eigentumer|bearbeiter|propietario|"
            "asignado a|dueno|encargado|responsavel|atribuido a|dono|responsabile|proprietario|"
            "assegnato a|referente|incaricato|eigenaar|verantwoordelijke|toegewezen aan|contactpersoon|"
            "behandelaar|"
            "担当者|責任者|統制責任者|担当|担当部署|オーナー|"
            "담당자|담당 부서|담당부서|책임자|통제수행부서|담당",
        ),
        (
            0.6,
            "contact|resource|preparer|team|department|departement|abteilung|departamento|reparto|afdeling",
        ),
    ),
    "due": (
        (
            0.95,
            "due|due date|due on|due by|deadline|target date|date due|needed by|required by|"
            "requested by date|expected date|target completion date|date needed|date required|"
            "response due|due dt|delivery date|requested by|"
            "echeance|date d echeance|date limite|date butoir|date cible|delai|fallig|falligkeit|"
            "falligkeitsdatum|frist|termin|zieldatum|umsetzung bis|fecha limite|fecha de vencimiento|"
            "vencimiento|plazo|fecha objetivo|fecha compromiso|prazo|data limite|data de vencimento|"
            "data alvo|scadenza|data di scadenza|termine|vervaldatum|einddatum|streefdatum|"
            "uiterste datum|期限|期日|提出期限|締切|納期|기한|마감일|제출 기한|완료 예정일|제출기한",
        ),
        (0.5, "completion date|target|eta|date|datum|fecha|data|日付|일자"),
    ),
    "status": (
        (
            0.95,
            "status|request status|client status|pbc status|state|progress|current status|item status|"
            "evidence status|completion status|response status|auditor status|implementation status|"
            "result|test result|statut|etat|avancement|etat d avancement|stand|umsetzung|umsetzungsstatus|"
            "bearbeitungsstand|estado|situacion|avance|situacao|andamento|stato|avanzamento|"
            "stand van zaken|voortgang|ステータス|状況|進捗|運用評価|評価結果|状態|"
            "상태|진행 상황|진행상태|결과",
        ),
        (0.6, "outcome|conclusion|assessment|evaluation|総合評価|評価"),
    ),
    "priority": (
        (
            0.95,
            "priority|importance|criticality|urgency|request priority|priorite|criticite|prioritat|"
            "kritikalitat|prioridad|criticidad|prioridade|criticidade|priorita|criticita|prioriteit|"
            "優先度|重要度|우선순위|중요도",
        ),
        (
            0.6,
            "risk|risk rating|severity|tier|rating|risk level|severite|schweregrad|severidad|gravedad|"
            "severidade|gravidade|severita|gravita|ernst|リスク|위험 수준",
        ),
    ),
    "comment": (
        (
            0.9,
            "comment|auditor comment|auditor note|remark|feedback|auditor feedback|review comment|"
            "reviewer comment|auditor remark|follow up comment|audit comment|auditor question|ey comment|"
            "kpmg comment|pwc comment|deloitte comment|commentaire|remarque|observations|"
            "commentaire auditeur|bemerkung|bemerkungen|kommentar|anmerkung|comentario|observaciones|"
            "comentarios|observacoes|commento|osservazioni|opmerking|opmerkingen|commentaar|"
            "コメント|備考|비고|코멘트|의견",
        ),
        (0.6, "note|follow up|additional information|additional info|hinweis|nota|toelichting"),
    ),
    "response": (
        (
            0.95,
            "response|client response|management response|your answer|answer|auditee response|"
            "company response|vendor response|response comment|client comment|supplier response|"
            "answer comment|reponse|reponse du client|antwort|ruckmeldung|stellungnahme|respuesta|"
            "resposta|risposta|antwoord|reactie|回答|답변|회신",
        ),
    ),
    "evidence": (
        (
            0.95,
            "evidence|evidence provided|evidence reference|evidence refs|evidence file|evidence link|"
            "evidence location|attachment|attachments|supporting evidence|supporting documentation|"
            "evidence citation|evidence / citation|document reference|evidence submitted|file name|"
            "files|preuve|preuves|piece jointe|pieces justificatives|justificatif|nachweis|nachweise|"
            "beleg|belege|anlage|evidencia|evidencias|adjunto|evidencia aportada|evidencia fornecida|"
            "anexo|evidenza|evidenze|allegato|bewijs|bewijsstuk|bijlage|証跡|エビデンス|증빙|첨부",
        ),
    ),
}

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_TOKENS = re.compile(r"[a-z0-9]+|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]+|#")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def fold_latin(text: str) -> str:
    """Accents off Latin letters only (`Référence` → `reference`); kana and hangul keep their marks."""
    if text.isascii():
        return text
    out: list[str] = []
    for ch in text:
        if "\u00c0" <= ch <= "\u024f":
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out)


def normalise_header(text: str) -> str:
    """Header text as compared: NFKC, camelCase split, accents folded, lower case, aliases, no punctuation."""
    text = unicodedata.normalize("NFKC", clean_text(text))
    text = _CAMEL.sub(" ", text)
    text = fold_latin(text).casefold()
    text = re.sub(r"['’`]s\b", "", text)
    out: list[str] = []
    for token in _TOKENS.findall(text):
        out.extend(_TOKEN_ALIASES.get(token, token).split())
    return " ".join(out)


def header_signature(headers: Sequence[str]) -> str:
    """Stable hash of the normalised non-empty header names in column order, for mapping profiles."""
    names = [normalise_header(h) for h in headers]
    while names and not names[-1]:
        names.pop()
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class FieldGuess:
    field: str
    confidence: float


def _build_index() -> dict[str, list[tuple[str, float]]]:
    index: dict[str, list[tuple[str, float]]] = {}
    for field_name, groups in _SYNONYM_TABLE.items():
        for confidence, phrases in groups:
            for phrase in phrases.split("|"):
                key = normalise_header(phrase)
                if not key:
                    continue
                known = index.setdefault(key, [])
                if not any(f == field_name for f, _ in known):
                    known.append((field_name, confidence))
    return index


SYNONYM_INDEX = _build_index()
# Single tokens too vague to count when a header merely contains them (`Item 3 notes` is not a ref).
_BRACKETED = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_ID_HEADS = frozenset({"id", "#", "identifier", "ref", "code", "key"})
_VAGUE = frozenset({"#", "id", "s", "item", "key", "code", "no", "n", "data", "date", "type", "name", "nom"})


def guess_fields(header: str) -> dict[str, float]:
    """Every field a header may name, with the confidence the words alone give (before the data is asked)."""
    key = normalise_header(header)
    if not key:
        return {}
    exact = SYNONYM_INDEX.get(key)
    if exact:
        return dict(exact)
    # A qualifier in brackets does not change what a column is: `Owner (Client)`, `Question (example …)`.
    bare = normalise_header(_BRACKETED.sub(" ", header))
    if bare and bare != key and (exact := SYNONYM_INDEX.get(bare)):
        return {f: round(c * 0.9, 3) for f, c in exact}
    tokens = key.split()
    if len(tokens) > 12 or any(t.startswith("http") for t in tokens):
        return {}
    found: dict[str, tuple[int, int, float]] = {}
    head_end = _head_end(tokens)
    for name, guesses in SYNONYM_INDEX.items():
        parts = name.split()
        if _CJK.search(name):
            at = key.find(name) if len(name) >= 2 else -1
            if at < 0:
                continue
            length, head = len(name), 1 if key.endswith(name) else 0
        else:
            if len(parts) > len(tokens) or (len(parts) == 1 and parts[0] in _VAGUE):
                continue
            position = _position(tokens, parts)
            if position is None:
                continue
            length, head = len(parts), 1 if position + len(parts) == head_end else 0
        for field_name, confidence in guesses:
            candidate = (length, head, round(confidence * 0.7, 3))
            best = found.get(field_name)
            if best is None or candidate > best:
                found[field_name] = candidate
    if not found and tokens[head_end - 1] in _ID_HEADS:
        # `genericId`, `工程No.`, `Safeguard #`: the head word says it numbers the rows.
        return {"ref": 0.6}
    if not found:
        return {}
    # A phrase at the head of the noun phrase counts fully (`Due Contact` is a contact), elsewhere less;
    # a shorter phrase than the longest one found counts less again.
    longest = max(length for length, _, _ in found.values())
    return {
        f: round(c * (1.0 if head else 0.8) * (1.0 if length == longest else 0.8), 3)
        for f, (length, head, c) in found.items()
    }


def guess_field(header: str) -> FieldGuess | None:
    """The field a header most likely names, by its words alone."""
    fields = guess_fields(header)
    if not fields:
        return None
    name, confidence = max(fields.items(), key=lambda item: (item[1], -_FIELD_ORDER.index(item[0])))
    return FieldGuess(name, confidence)


_FIELD_ORDER = (
    "ref",
    "request",
    "title",
    "owner",
    "due",
    "status",
    "criteria",
    "section",
    "priority",
    "comment",
    "response",
    "evidence",
)


def _head_end(tokens: list[str]) -> int:
    """Where a noun phrase's head ends: before `of`/`for`/`by` (`Status of request`), else at the end."""
    for i, token in enumerate(tokens):
        if i and token in (
            "of",
            "for",
            "by",
            "from",
            "de",
            "du",
            "des",
            "der",
            "von",
            "del",
            "da",
            "di",
            "van",
        ):
            return i
    return len(tokens)


def _position(tokens: list[str], parts: list[str]) -> int | None:
    n = len(parts)
    for i in range(len(tokens) - n + 1):
        if tokens[i : i + n] == parts:
            return i
    return None
