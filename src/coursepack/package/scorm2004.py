"""SCORM 2004 4th Edition target: IMS CP 1.1.4 with ADL CP/Seq/Nav 1.3 and IMS Simple
Sequencing. Flow and choice navigation; each SCO reports completion and success itself
and the course's status rolls up from its SCOs; a pass mark becomes the primary objective's
minimum normalized measure, so the LMS and the runtime agree on pass/fail."""

from __future__ import annotations


from ..model import Course
from ..render import Page
from .manifest import (add_resources, element, manifest_head, sco_pass_mark, scos, serialize,
                       with_manifest, xml_id)

NAME = "scorm2004"
LABEL = "SCORM 2004 4th Edition"
STANDARD = "scorm2004"
ARCHIVE = True

IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"
SCHEMA_FILES = {
    "imscp_v1p1.xsd": IMSCP,
    "adlcp_v1p3.xsd": ADLCP,
    "adlseq_v1p3.xsd": ADLSEQ,
    "adlnav_v1p3.xsd": ADLNAV,
    "imsss_v1p0.xsd": IMSSS,
    "lom.xsd": LOM,
}

pages = scos


def _lom(parent, course: Course) -> None:
    lom = element(parent, LOM, "lom")
    general = element(lom, LOM, "general")
    title = element(general, LOM, "title")
    element(title, LOM, "string", course.title, language=course.language)
    element(general, LOM, "language", course.language)
    if course.description:
        description = element(general, LOM, "description")
        element(description, LOM, "string", course.description.strip(),
                language=course.language)


def _item_sequencing(item, pass_mark: int | None) -> None:
    sequencing = element(item, IMSSS, "sequencing")
    if pass_mark is not None:
        objectives = element(sequencing, IMSSS, "objectives")
        primary = element(objectives, IMSSS, "primaryObjective", objectiveID="PRIMARYOBJ",
                          satisfiedByMeasure="true")
        element(primary, IMSSS, "minNormalizedMeasure", f"{pass_mark / 100:.4g}")
    element(sequencing, IMSSS, "deliveryControls", completionSetByContent="true",
            objectiveSetByContent="true")


def manifest(course: Course, launch: list[Page], files: dict[str, bytes],
             shipped_controls: dict[str, bytes]) -> bytes:
    nsmap = {None: IMSCP, "adlcp": ADLCP, "adlseq": ADLSEQ, "adlnav": ADLNAV,
             "imsss": IMSSS, "lom": LOM}
    root, metadata = manifest_head(course, IMSCP, nsmap, "2004 4th Edition", shipped_controls,
                                   SCHEMA_FILES)
    _lom(metadata, course)

    org_id = xml_id("ORG", course.id)
    organizations = element(root, IMSCP, "organizations", default=org_id)
    organization = element(organizations, IMSCP, "organization", identifier=org_id)
    organization.set(f"{{{ADLSEQ}}}objectivesGlobalToSystem", "false")
    element(organization, IMSCP, "title", course.title)
    for sco in launch:
        item = element(organization, IMSCP, "item", identifier=xml_id("ITEM", sco.id),
                       identifierref=xml_id("RES", sco.id), isvisible="true")
        element(item, IMSCP, "title", sco.title)
        _item_sequencing(item, sco_pass_mark(course, sco))
    sequencing = element(organization, IMSSS, "sequencing")
    element(sequencing, IMSSS, "controlMode", choice="true", flow="true")
    add_resources(element(root, IMSCP, "resources"), IMSCP, f"{{{ADLCP}}}scormType",
                  launch, files)
    return serialize(root)


def package_files(course: Course, launch: list[Page], files: dict[str, bytes],
                  controls_dir=None) -> dict[str, bytes]:
    return with_manifest(manifest, course, launch, files, controls_dir, STANDARD)
