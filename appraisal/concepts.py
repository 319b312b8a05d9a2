"""What counts as reporting a checklist concept: wording that qualifies, and traps that look alike but do not.

A concept is one thing a reader checks in a paper (calibration, external validation, missing data, ...).
Checklist items are linked to concepts by their own wording (`trigger`, matched against the item's
question, topic and hints), so every shipped checklist gets them without per-checklist code.

For each concept:
- `terms`: extra query words for the ranking (BM25), in the checklist's own vocabulary.
- `strong`: wording that reports the concept (a sentence matching it, outside background and traps, is
  evidence that the paper reports it).
- `weak`: wording that is about the concept but does not by itself report it (ranked, never "reported").
- `traps`: wording that looks like the concept but is not (a challenge "utility score", a "hidden" test
  set, "external validation is warranted", recalibration without assessment); a sentence matching a trap
  is not evidence.
- `negative`: for concepts that can be reported as absent or "not done" ("outcome assessors were not
  blinded"), wording that reports the concept with a negative answer.

The rules paraphrase what the checklists themselves ask (TRIPOD+AI, PROBAST, CLAIM); they are not
tuned to any one paper's phrases.

Examples
--------
>>> c = CONCEPTS["calibration"]
>>> c.qualifies("Calibration was assessed with a calibration plot and slope.")
True
>>> c.qualifies("The model was recalibrated on the test set.")
False
>>> c.qualifies("There was no assessment of calibration.")
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

__all__ = ["Concept", "CONCEPTS", "concepts_for", "negated"]

_FLAGS = re.IGNORECASE
# a negation close before a keyword: "no assessment of calibration", "did not use the Hosmer-Lemeshow test"
_NEGATION_BEFORE = re.compile(
    r"\b(no|not|never|without|neither|nor|cannot|can't|isn't|wasn't|weren't|aren't|didn't|don't|doesn't|"
    r"lack(s|ed|ing)?|absence of|none|unable to|instead of|rather than)\b[^.;]{0,45}$",
    _FLAGS,
)
_NEGATION_AFTER = re.compile(
    r"^[^.;]{0,25}\b(was|were|is|are|has|have|had been|been)?\s*(not|never)\b", _FLAGS
)


def negated(text: str, start: int, end: int) -> bool:
    """True when the words just before or after text[start:end] negate it."""
    return bool(_NEGATION_BEFORE.search(text[max(0, start - 60):start])) or bool(
        _NEGATION_AFTER.search(text[end:end + 35])
    )


@dataclass(frozen=True)
class Concept:
    id: str
    name: str  # plain words for a medic: "calibration"
    trigger: str  # regex over an item's own text that links the item to this concept
    terms: tuple[str, ...]
    strong: str
    weak: str = ""
    traps: str = ""
    negative: str = ""  # the concept reported as not done (an answer "no", not an absence)
    check_negation: bool = True  # a negated strong match ("no calibration was assessed") does not count
    declaration: bool = False  # a statement (code, data, ethics) counts wherever it stands, Discussion included

    @cached_property
    def strong_rx(self) -> re.Pattern:
        return re.compile(self.strong, _FLAGS)

    @cached_property
    def weak_rx(self) -> re.Pattern | None:
        return re.compile(self.weak, _FLAGS) if self.weak else None

    @cached_property
    def trap_rx(self) -> re.Pattern | None:
        return re.compile(self.traps, _FLAGS) if self.traps else None

    @cached_property
    def negative_rx(self) -> re.Pattern | None:
        return re.compile(self.negative, _FLAGS) if self.negative else None

    @cached_property
    def trigger_rx(self) -> re.Pattern:
        return re.compile(self.trigger, _FLAGS)

    def strong_match(self, text: str) -> re.Match | None:
        """The first strong match that is neither negated nor inside a trap, or None."""
        if self.trap_rx is not None and self.trap_rx.search(text):
            return None
        for m in self.strong_rx.finditer(text):
            if self.check_negation and negated(text, m.start(), m.end()):
                continue
            return m
        return None

    def negative_match(self, text: str) -> re.Match | None:
        return self.negative_rx.search(text) if self.negative_rx is not None else None

    def qualifies(self, text: str) -> bool:
        return self.strong_match(text) is not None

    def mentions(self, text: str) -> bool:
        """Strong or weak wording, traps and negations included (for ranking, not for answers)."""
        return bool(self.strong_rx.search(text) or (self.weak_rx is not None and self.weak_rx.search(text)))


_AVAILABLE = r"(?:(?:is|are|was|were|has been|have been|will be|be)\s+(?:made\s+)?(?:\w+ly\s+)?(?:available|accessible|obtainable|shared|released|deposited)|available (?:at|from|on|via|in|upon|through)\b)"
_YEARS = r"(?:19|20)\d{2}"

CONCEPTS: dict[str, Concept] = {c.id: c for c in [
    Concept(
        "external_validation", "external validation",
        trigger=r"\bexternal(ly)? (validat|test|data)|another institution|other hospitals|independent dataset|temporal validation",
        terms=("external validation", "external test", "independent cohort", "different hospital", "validation cohort"),
        strong=(
            r"\bexternal(ly)?[- ]?(validat\w*|test\w*|evaluat\w*|cohort|data ?sets?|data)\b"
            r"|\b(validat\w*|test\w*|evaluat\w*) (it |the model |the algorithm |our model )?(in|on|at|using) (an? )?"
            r"(different|another|other|separate|second|new|independent) (hospital|site|centre|center|institution|"
            r"country|population|health system|cohort|practice)s?"
            r"|\b(different|another|other|separate|second|new) (hospital|site|centre|center|institution|country|"
            r"health system|practice)s? .{0,60}\b(validat\w*|test\w*|evaluat\w*)"
            r"|^(?=.*\b(derivation|development|training|derived|trained)\b)(?=.*\b(validation|validated|test|testing|tested)\b)"
            r"(?=.*\b" + _YEARS + r"\b.*\b" + _YEARS + r"\b.*\b" + _YEARS + r"\b)"  # dates for both periods
            r"|\b(validation|test(ing)?)\b.{0,80}\b(later|subsequent|more recent|following) (years?|period|time)"
            r"|\bapplied (this|the|our) (\w+ )?(model|method\w*|algorithm|classifier)s? to (a|an|the) (\w+ )?"
            r"(validation|independent|external|second|separate|new) (cohort|population|data ?set|sample)"
            r"|\b(temporal(ly)?|prospective(ly)?) (validat\w*|test\w*|evaluat\w*)"
            r"|\bdeployed\b.{0,80}\b(clinic|practice|hospital|primary care|site|centre|center)"
            r"|\b(held[- ]out|left[- ]out|unseen) (hospital|site|centre|center|institution|country)s?\b"
            r"|\bleave[- ]one[- ](site|hospital|centre|center|institution|country)[- ]out\b"
        ),
        weak=r"\bvalidation cohort\b|\bindependent (test|validation)\b|\bheld[- ]out\b|\bgenerali[sz]\w*\b|\bapplied (this|the|our) (model|method\w*|algorithm)",
        traps=(
            r"\bexternal(ly)?[- ]?validat\w*\b[^.;]{0,30}\b(is|are|would be|will be|remains?|was not|were not)?\s*"
            r"(warranted|needed|required|necessary|planned|lacking|missing|recommended|desirable|essential)"
            r"|\b(should|must|need to|needs to|will need to|would need to|remains to) be (externally |prospectively )?(validated|tested|evaluated)"
            r"|\bfuture (work|studies|research)\b.{0,60}\b(validat|test)"
            r"|\b(lack|absence) of (an? )?(external|independent|prospective) (validation|test)"
            r"|\bno (external|independent|prospective) (validation|test|cohort)"
            r"|\bexternal(ly)?[- ]?validat\w*\b[^.;]{0,25}\b(would|could|might|may|should)\b"
        ),
    ),
    Concept(
        "internal_validation", "internal validation (how performance was estimated)",
        trigger=r"internal validation|how the data were used|training set|cross-validation|overfitting|optimism|apparent performance|held-out|hold-out|partition",
        terms=("cross-validation", "random split", "training set", "test set", "bootstrap", "held-out", "validation set"),
        strong=(
            r"\bcross[- ]?validat\w*|\b\d+[- ]fold\b|\b(ten|five|three|two)[- ]fold\b|\bleave[- ](one|group|\w+)[- ]\w*[- ]?out\b"
            r"|\brandom(ly)?\b.{0,40}\b(split|divided|assigned|allocated|partitioned|separated|sampled)\b"
            r"|\b(split|divided|partitioned|separated|allocated|assigned)\b.{0,50}\b(training|development|derivation)\b.{0,80}\b(test|validation|testing|hold[- ]?out|held[- ]out)\b"
            r"|\b(training|development|derivation) (set|data ?set|cohort|sample|data)\b.{0,120}\b(test|testing|validation|hold[- ]?out|held[- ]out) (set|data ?set|cohort|sample|data)\b"
            r"|\bbootstrap\w*\b.{0,60}\b(optimism|validat\w*|overfit\w*|internal)"
            r"|\b(optimism|overfitting)\b.{0,40}\bbootstrap"
            r"|\b(test|validation) set\b.{0,60}\b(comprised|consisted|included|contained|drawn|of) .{0,40}\d"
            r"|\b(collect|assembled|built|created|constructed)\w* (a|an) (separate |independent |new )?(test|validation) (set|data ?set)"
            r"|\bapparent performance\b"
        ),
        weak=r"\b(training|test|testing|validation|development) (set|data ?set|cohort)s?\b|\bhyper-?parameters?\b|\bsplit\b",
        traps=(
            r"^(?!.*\b(performance|evaluat\w*|assess\w*|report\w*|AUC|AUROC|accuracy|generali[sz]\w*|estimat\w*)\b)"
            r"(?=.*\b(cross[- ]?validat\w*|\d+[- ]fold)\b).*\b(hyper-?parameters?|tun(e|ed|ing)|to (choose|select)|"
            r"optimi[sz]\w*|model selection|select(ed|ing)? (the )?(best|optimal))\b"
            r"|\bbootstrap\w*\b.{0,60}\b(confidence|CIs?\b|interval|standard error|p[- ]values?)"
            r"|\b(confidence|CIs?|intervals?)\b.{0,60}\bbootstrap"
        ),
        check_negation=False,
    ),
    Concept(
        "calibration", "calibration",
        trigger=r"calibrat",
        terms=("calibration", "calibration plot", "calibration curve", "observed", "predicted", "Hosmer-Lemeshow", "Brier score"),
        strong=(
            r"\bcalibration (plots?|curves?|slopes?|intercepts?|belts?|in[- ]the[- ]large|metrics?|statistics?|error|was|were|is|of the|analys\w+)\b"
            r"|\b(assess|evaluat|examin|measur|plott|check|quantif|report|test|compar)\w*\b[^.;]{0,40}\bcalibration\b"
            r"|\bcalibration\b[^.;]{0,40}\b(assessed|evaluated|examined|measured|plotted|checked|quantified|reported|shown|tested)\b"
            r"|\b(well|poorly|good|excellent|adequately|reasonably|highly|badly)[- ](calibrated|calibration)\b"
            r"|\bhosmer\W+lemeshow\b|\bbrier (score|skill)\b|\bspiegelhalter\b"
            r"|\b(observed|actual|empirical)\b(?!\s+that\b)[^.;]{0,30}\b(and|vs\.?|versus|against|to)\b[^.;]{0,10}"
            r"\b(expected|predicted|estimated)\b"
            r"|\b(expected|predicted|estimated)\b[^.;]{0,40}\b(and|vs\.?|versus|against|to|with)\b[^.;]{0,30}"
            r"\b(observed|actual|empirical)\b(?!\s+(that|in|a|an|the|by|on|at|for)\b)"
            r"|\b(O|observed)[:/](E|expected)\b"
        ),
        weak=r"\bcalibrat\w*|\brecalibrat\w*",
        traps=(
            r"\b(platt|isotonic) (scaling|regression)\b(?![^.]*\b(plot|curve|slope|assess|evaluat))"
            r"|\b(sensors?|devices?|instruments?|scanners?|cameras?|electrodes?|accelerometers?|equipment|probes?|"
            r"amplifiers?|thermometers?|spirometers?|monitors?)\b[^.;]{0,40}\bcalibrat"
            r"|\bcalibrat\w*\b[^.;]{0,40}\b(sensors?|devices?|instruments?|scanners?|cameras?|electrodes?|"
            r"accelerometers?|equipment|probes?|amplifiers?)\b"
        ),
    ),
    Concept(
        "discrimination", "discrimination (AUC or C statistic)",
        trigger=r"discriminat|\bauc\b|c[- ]statistic|roc curve",
        terms=("AUC", "AUROC", "area under the curve", "receiver operating characteristic", "C statistic", "c-index"),
        strong=(
            r"\b(AUC|AUROC|AUC[- ]?ROC|ROC[- ]?AUC|c[- ]statistics?|c[- ]index|concordance (index|statistic)|C[- ]?stat)\b(?![- ]?PR)"
            r"|\barea under (the )?(receiver[- ]operat\w*[- ]characteristic|ROC)\b"
            r"|\barea under (the )?curve\b"
        ),
        weak=r"\bROC\b|\breceiver[- ]operat\w*|\bdiscriminat\w*",
        traps=r"\barea under (the )?precision[- ]recall\b(?![^.]*\b(AUROC|receiver))",
        check_negation=False,
    ),
    Concept(
        "clinical_utility", "decision curve or net benefit (clinical utility)",
        trigger=r"decision curve|net benefit|clinical utility|clinical usefulness",
        terms=("decision curve", "net benefit", "clinical utility", "threshold probability", "decision analysis"),
        strong=(
            r"\bdecision[- ]curves?\b|\bnet[- ]benefit\b|\bdecision[- ]analy(sis|tic)\b"
            r"|\bcost[- ]effectiveness (analys[ie]s|model\w*|evaluation|ratio)\b|\bincremental cost[- ]effectiveness\b"
            r"|\bcost[- ]utility\b|\bquality[- ]adjusted life\b|\bQALYs?\b|\bexpected (value|utility) of\b"
        ),
        weak=r"\bclinical (utility|usefulness|impact|benefit)\b|\bnumber needed to\b|\bthreshold probabilit\w*",
        traps=r"\butility (score|function|metric)\b(?![^.]*\b(decision|net benefit))|\bchallenge\b.{0,60}\bscore",
    ),
    Concept(
        "sample_size", "sample size justification",
        trigger=r"sample size|events per|enough participants|power calculation|power analysis",
        terms=("sample size", "power calculation", "events per variable", "minimum sample size", "precision"),
        strong=(
            r"\bsample size\b[^.;]{0,60}\b(calculat\w*|justif\w*|determin\w*|estimat\w*|based on|required|needed|chosen|criteria)"
            r"|\b(calculat|justif|determin|estimat|requir)\w*\b[^.;]{0,40}\bsample size"
            r"|\bpower (calculation|analysis)\b|\b\d+\s?% power\b|\bpowered to\b"
            r"|\bevents per (candidate )?(variable|predictor|parameter)\b|\bEPV\b|\briley\b[^.;]{0,40}\b(criteria|sample|method)"
            r"|\bminimum (required )?(sample|number of (participants|patients|events))"
        ),
        weak=r"\bsample sizes?\b|\bstatistical power\b|\bsmall (sample|data ?set|cohort)\b",
        traps=r"\b(large|small|limited|modest) sample sizes?\b(?![^.]*\b(calculat|justif|power))",
    ),
    Concept(
        "missing_data", "handling of missing data",
        trigger=r"missing|imput",
        terms=("missing data", "missing values", "imputation", "imputed", "complete case"),
        strong=(
            r"\b(multiply |multiple |single )?imput(ed|ation|ing|e)\b"
            r"|\bmissing(ness)?\b[^.;]{0,80}\b(replaced|set to|set as|assigned|excluded|removed|dropped|discarded|"
            r"treated|handled|filled|coded|encoded|indicat\w*|default|carried|complete[- ]case|categor\w*)"
            r"|\b(replaced|set|assigned|excluded|removed|dropped|discarded|treated|handled|filled|coded|encoded)\b"
            r"[^.;]{0,60}\bmissing\b"
            r"|\bcomplete[- ]case\b|\blast observation carried forward\b|\bmissing[- ]?(ness)?[- ]indicator"
        ),
        weak=r"\bmissing\b|\bincomplete\b",
        traps=r"\bmissing (the|a|an|out|link|piece)\b",
        check_negation=False,
    ),
    Concept(
        "class_imbalance", "class imbalance handling",
        trigger=r"class imbalance|oversampling|undersampling|smote|class weights|imbalanced",
        terms=("class imbalance", "imbalanced", "oversampling", "undersampling", "class weights", "re-weighting", "balanced"),
        strong=(
            r"\b(over|under|down|up)[- ]?sampl\w*|\bSMOTE\b|\bADASYN\b|\b(class|sample|inverse[- ]frequency)[- ]weight\w*"
            r"|\bre-?weight\w*|\bweighted (loss|cross[- ]entropy|sampling)\b|\bfocal loss\b"
            r"|\b(account|control|address|handl|correct|compensat|mitigat|deal|adjust|counter|tackl|overcom|reduc)\w*"
            r"[^.;]{0,40}\b(class |label |outcome |data )?(imbalance|imbalanced|unbalanced)\b"
            r"|\b(imbalance|imbalanced|unbalanced)\b[^.;]{0,40}\b(was|were) (addressed|handled|corrected|accounted|"
            r"mitigated|reduced|dealt)"
            r"|\b(balanced|equal) (numbers?|proportions?|classes|class sizes|batches|training (set|data))\b"
            r"|\b(randomly )?(removed|discarded|excluded)\b[^.;]{0,60}\b(to (achieve|obtain|get|balance)|balance)"
        ),
        weak=r"\b(class|label|outcome|data) imbalance\b|\bimbalanced\b|\bunbalanced\b|\bbalanced\b",
        traps=(
            r"\b(over|under)[- ]?sampl\w* of (patients|participants|subjects|people|individuals|women|men)\b"
            r"|\b(recruit|enrol|enroll)\w*\b[^.;]{0,60}\b(over|under)[- ]?sampl"
            r"|\b(over|under)[- ]?sampl\w*\b[^.;]{0,40}\b(recruit|enrol|enroll)"
        ),
        check_negation=False,
    ),
    Concept(
        "code_availability", "code availability",
        declaration=True,
        trigger=r"\bcode\b|source code|software|github",
        terms=("code", "source code", "GitHub", "repository", "available", "software"),
        strong=(
            r"\b(code|source code|scripts?|software|implementation|notebooks?)\b[^.;]{0,60}" + _AVAILABLE
            + r"|\b(algorithm|models?|weights)\b[^.;]{0,40}\b(publicly|freely|openly) available"
            r"|\b(algorithm|models?|weights)\b[^.;]{0,40}\bavailable (at|from|on|via) (https?://|www\.|github|gitlab|zenodo)"
            + r"|\b(github|gitlab|bitbucket|zenodo|codeocean|code ocean)\.(com|org|io)\b"
            r"|\b(we|authors) (have )?(made|make|release|released|share|shared|provide|provided|publish|published)\b[^.;]{0,40}\b(code|software|implementation|scripts?)"
        ),
        weak=r"\bcode availability\b|\bsource code\b|\bgithub\b|\bopen[- ]source\b|\brepository\b",
        traps=(
            r"\b(cannot|can't|could not|not be|won't|will not)\b[^.;]{0,30}\b(shared|released|made available|available)"
            r"|\bnot (publicly |freely |openly )?(available|shared|released)\b"
            r"|\bopen[- ]source (software|tools?|packages?|librar\w+|implementations?|frameworks?)\b(?![^.]*\b(our|we)\b)"
            r"|\bfor (the )?(data|FHIR|format)\b[^.;]{0,10}\bformat\b"
            r"|\b(format|standard|specification)\b[^.;]{0,40}\bis available at\b"
            r"|\bproject (web ?site|page)\b"
        ),
    ),
    Concept(
        "data_availability", "data availability",
        declaration=True,
        trigger=r"\bdata (availability|sharing|are available|is available)|availability of the (study )?data",
        terms=("data availability", "data sharing", "available on request", "publicly available", "access", "repository"),
        strong=(
            r"\b(data|data ?sets?|database|recordings|images|cohort)\b[^.;]{0,60}\b(are|is|were|will be|be|been|made) "
            r"(made )?(publicly|freely|openly) (available|accessible)"
            r"|\b(publicly|freely|openly) (available|accessible) (data|data ?sets?|database|cohort|recordings|images)\b"
            r"|\b(data|data ?sets?|database|recordings|images)\b[^.;]{0,80}\b(available|accessible|obtained|provided)\b[^.;]{0,20}"
            r"\b(from|upon|on) (reasonable |written )?request"
            r"|\b(data|data ?sets?|database|recordings|images)\b[^.;]{0,60}\b(available|deposited|accessible|shared)\b[^.;]{0,30}"
            r"\b(at|in|from|via|through|on) (the )?(https?://|www\.|physionet|zenodo|figshare|dryad|github|[\w-]+ "
            r"(repository|archive|database|platform|portal|gateway))"
            r"|\b(data|data ?sets?|database)\b[^.;]{0,60}\b(shared|released|provided|made available) (with|to) (other |"
            r"qualified |interested |external )?(researchers|investigators|scientists)"
            r"|\bdata[- ]sharing agreement\b|\b(data|access) request\b|\brequests? (for|to access) (the )?data\b"
            r"|\b(downloaded|obtained|accessed|retrieved) (\w+ )?from\b[^.;]{0,80}\b(platform|repository|website|portal|gateway|archive|physionet|public)"
            r"|\bwithin the (paper|manuscript) and its supporting information\b"
        ),
        weak=r"\bdata availability\b|\bdata sharing\b|\bpublicly available\b|\baccess to the data\b",
        traps=(
            r"\bnot (publicly |freely |openly )?(available|accessible|shared)\b|\b(cannot|can't|could not)\b[^.;]{0,30}\b(shared|released|available)"
            r"|\bavailable (at|from) the time of\b|\b(be|is|are|were) available (at|in|during) (the )?(time|point|admission|triage|discharge|prediction)"
            r"|\bproject (web ?site|page)\b"
            r"|\bdata (were|was|are|is) available (for|on|at|in) (all|\d|each|every|the (first|same|time))"
        ),
    ),
    Concept(
        "ethics", "ethics approval",
        declaration=True,
        trigger=r"ethic|institutional review board|\birb\b|consent",
        terms=("ethics committee", "institutional review board", "IRB", "approved", "informed consent", "waiver"),
        strong=(
            r"\b(ethic\w*|institutional review boards?|IRBs?|review boards?|research ethics|ethics committees?|"
            r"ethical (approval|clearance|review|committee|board)|human research|institutional ethics)\b[^.;]{0,120}"
            r"\b(approv\w*|waiv\w*|waiver|exempt\w*|grant\w*|clearance|reviewed|permission|authoriz\w*|authoris\w*)"
            r"|\b(approv\w*|waiv\w*|exempt\w*|reviewed)\b[^.;]{0,80}\b(ethic\w*|institutional review boards?|IRBs?|review boards?)"
            r"|\binformed consent\b[^.;]{0,60}\b(obtained|waived|was not required|exempt\w*|provided|given|signed)"
            r"|\b(waiv\w*|exempt\w*)\b[^.;]{0,40}\b(informed |written )?consent\b"
            r"|\bdeclaration of helsinki\b"
        ),
        weak=r"\bethic\w*|\binformed consent\b|\bconsent\b",
        traps=r"\bethical (issue|concern|question|implication|challenge|dilemma|consideration)s?\b(?![^.]*\bapprov)",
        check_negation=False,
    ),
    Concept(
        "blinding", "blinding of outcome or predictor assessment",
        trigger=r"blind|mask|without knowledge|unaware",
        terms=("blinded", "masked", "unaware", "without knowledge", "outcome assessors"),
        strong=(
            r"\b(blind\w*|mask(ed|ing)|unaware|without (any )?(knowledge|access|information)|independent(ly)? of|"
            r"not (told|informed|given access)|had no access)\b[^.;]{0,60}\b(outcome|diagnos\w*|predictors?|"
            r"reference standard|ground truth|labels?|results?|model|algorithm|survival|follow[- ]up|status|"
            r"clinical (data|information|details|history)|patient (data|information|outcome|history))"
            r"|\b(assessors?|readers?|raters?|graders?|annotators?|pathologists?|radiologists?|cardiologists?|"
            r"clinicians?|ophthalmologists?|physicians?|experts?|reviewers?|adjudicators?|investigators?)\b[^.;]{0,60}"
            r"\b(blind\w*|mask(ed|ing)|unaware|without (any )?knowledge)\b"
            r"|\b(blind\w*|mask(ed|ing))\b[^.;]{0,30}\b(assessment|assessors?|reading|review|grading|annotation|adjudication|labell?ing)\b"
        ),
        weak=r"\bblind\w*|\bmask(ed|ing)\b|\bunaware\b|\bwithout knowledge\b",
        traps=(
            r"\b(data|dataset|data ?set|test set|statistics|labels? of the test|test data|hidden (test )?set)\b[^.;]{0,20}"
            r"\b(is|are|was|were|remained|kept|remains) (kept )?(blinded|hidden|unused|masked|sequestered)\b"
            r"|\bdouble[- ]blind\w* (randomi[sz]ed|trial|study|placebo)"
            r"|\bmask(ed|ing)?\b[^.;]{0,30}\b(image|region|pixel|segmentation|lesion|token|language model|input)s?\b"
            r"|\bblind (spot|source separation|deconvolution)\b"
        ),
        negative=r"\b(not|un)[- ]?blinded\b|\bwere aware of\b|\bwith (full )?knowledge of the (outcome|diagnosis)|\bno blinding\b|\bopen[- ]label\b",
        check_negation=False,
    ),
]}


def concepts_for(item) -> list[Concept]:
    """The concepts an item's own wording (question, topic, hints) names, in the order of CONCEPTS."""
    text = " ".join([getattr(item, "question", "") or "", getattr(item, "topic", "") or "",
                     " ".join(getattr(item, "hints", ()) or ())])
    return [c for c in CONCEPTS.values() if c.trigger_rx.search(text)]


# The internal-validation scheme behind reported performance, from the sentences that qualify for
# "internal_validation" (strongest first). Checked in this order: a split by time beats a cross-validation
# that may only have tuned the model, which beats a plain random split.
VALIDATION_SCHEMES: tuple[tuple[str, re.Pattern], ...] = (
    ("temporal split", re.compile(
        r"^(?=.*\b(derivation|development|training|derived|trained)\b)(?=.*\b(validation|validated|test|testing|tested)\b)"
        r"(?=.*\b(19|20)\d{2}\b.*\b(19|20)\d{2}\b.*\b(19|20)\d{2}\b)|\btemporal(ly)? (split|validat\w*|hold[- ]?out)"
        r"|\b(later|subsequent|more recent) (years?|period)\b", _FLAGS)),
    ("cross-validation", re.compile(
        r"\bcross[- ]?validat\w*|\b\d+[- ]fold\b|\b(ten|five|three)[- ]fold\b|\bleave[- ](one|group|\w+)[- ]\w*[- ]?out\b", _FLAGS)),
    ("bootstrap", re.compile(r"\bbootstrap\w*\b.{0,60}\b(optimism|validat\w*|overfit\w*|internal)|\boptimism\b", _FLAGS)),
    ("random split", re.compile(
        r"\brandom(ly)?\b|\bsplit\b|\bdivided?\b|\bpartition\w*|\b(training|development) (set|data ?set)\b", _FLAGS)),
)


def validation_scheme(texts: list[str]) -> str | None:
    """The internal-validation scheme the sentences describe, or None.

    >>> validation_scheme(["Patients were randomly split into training (80%) and test (20%) sets."])
    'random split'
    >>> validation_scheme(["We trained on 2010-2014 data and tested on data from 2015 to 2016."])
    'temporal split'
    """
    for name, rx in VALIDATION_SCHEMES:
        if any(rx.search(t) for t in texts):
            return name
    return None
