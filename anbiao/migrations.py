"""The schema, step by step: `db.migrate` applies the steps a database has not had yet."""

# Migrations only ever append: a released step is never edited, a fix is a new step.
MIGRATIONS = [
    """
    CREATE TABLE grids (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        county TEXT NOT NULL DEFAULT '',
        township TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE enterprises (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        credit_code TEXT NOT NULL UNIQUE,
        industry TEXT NOT NULL,
        size_class TEXT NOT NULL CHECK (size_class IN ('above_scale','medium','small_micro')),
        grid_id INTEGER REFERENCES grids(id),
        address TEXT NOT NULL DEFAULT '',
        principal_name TEXT NOT NULL DEFAULT '',
        principal_phone TEXT NOT NULL DEFAULT '',
        safety_manager_name TEXT NOT NULL DEFAULT '',
        safety_manager_phone TEXT NOT NULL DEFAULT '',
        standard_status TEXT NOT NULL DEFAULT 'none'
            CHECK (standard_status IN ('none','self_assessed','national','provincial','local')),
        standard_grade INTEGER CHECK (standard_grade IN (1,2,3)),
        benchmark_level TEXT NOT NULL DEFAULT 'none'
            CHECK (benchmark_level IN ('none','township','county','city')),
        showcase INTEGER NOT NULL DEFAULT 0,
        star_rating INTEGER NOT NULL DEFAULT 0 CHECK (star_rating BETWEEN 0 AND 3),
        notice_delivered_on TEXT,
        commitment_signed_on TEXT,
        shifts TEXT NOT NULL DEFAULT '08:00,20:00',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE units (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        parent_id INTEGER REFERENCES units(id),
        kind TEXT NOT NULL CHECK (kind IN ('workshop','post')),
        name TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        archived_at TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX units_enterprise ON units(enterprise_id);
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN
            ('admin','supervisor','grid_worker','manager','workshop_head','team_leader')),
        enterprise_id INTEGER REFERENCES enterprises(id),
        unit_id INTEGER REFERENCES units(id),
        grid_id INTEGER REFERENCES grids(id),
        scope_industry TEXT,
        scope_county TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE library_docs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        code TEXT NOT NULL,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        industry TEXT,
        tier TEXT,
        frequency TEXT,
        responsible TEXT,
        on_failure TEXT,
        source TEXT,
        path TEXT NOT NULL,
        hash TEXT NOT NULL,
        loaded_at TEXT NOT NULL,
        UNIQUE (code, version)
    );
    CREATE TABLE library_items (
        id INTEGER PRIMARY KEY,
        doc_id INTEGER NOT NULL REFERENCES library_docs(id),
        position INTEGER NOT NULL,
        code TEXT NOT NULL,
        aspect TEXT,
        section TEXT,
        name TEXT,
        content TEXT NOT NULL,
        method TEXT,
        basis TEXT,
        extra TEXT NOT NULL DEFAULT '{}',
        UNIQUE (doc_id, code)
    );
    CREATE TABLE checklists (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER REFERENCES units(id),
        tier TEXT NOT NULL CHECK (tier IN ('enterprise','workshop','post','grid','lookback')),
        title TEXT NOT NULL,
        library_doc_id INTEGER REFERENCES library_docs(id),
        parent_id INTEGER REFERENCES checklists(id),
        frequency TEXT NOT NULL
            CHECK (frequency IN ('shift','daily','weekly','monthly','quarterly')),
        responsible_title TEXT NOT NULL DEFAULT '',
        responsible_user_id INTEGER REFERENCES users(id),
        on_failure TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        archived_at TEXT
    );
    CREATE INDEX checklists_enterprise ON checklists(enterprise_id);
    CREATE TABLE checklist_items (
        id INTEGER PRIMARY KEY,
        checklist_id INTEGER NOT NULL REFERENCES checklists(id),
        position INTEGER NOT NULL,
        aspect TEXT NOT NULL,
        section TEXT,
        content TEXT NOT NULL,
        method TEXT,
        basis TEXT,
        library_item_id INTEGER REFERENCES library_items(id),
        parent_item_id INTEGER REFERENCES checklist_items(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        removed_at TEXT
    );
    CREATE INDEX checklist_items_checklist ON checklist_items(checklist_id);
    CREATE TABLE inspections (
        id INTEGER PRIMARY KEY,
        checklist_id INTEGER NOT NULL REFERENCES checklists(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER REFERENCES units(id),
        inspector_id INTEGER NOT NULL REFERENCES users(id),
        submitted_at TEXT NOT NULL,
        client_time TEXT,
        latitude REAL,
        longitude REAL,
        accuracy REAL,
        corrects_id INTEGER REFERENCES inspections(id),
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX inspections_checklist ON inspections(checklist_id, submitted_at);
    CREATE TABLE inspection_results (
        id INTEGER PRIMARY KEY,
        inspection_id INTEGER NOT NULL REFERENCES inspections(id),
        checklist_item_id INTEGER NOT NULL REFERENCES checklist_items(id),
        position INTEGER NOT NULL,
        aspect TEXT NOT NULL,
        content TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('ok','hazard','na')),
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX inspection_results_inspection ON inspection_results(inspection_id);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_id INTEGER REFERENCES users(id),
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_entity ON audit_log(entity, entity_id);
    """,
]

MIGRATIONS.append(
    """
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        taken_at TEXT,
        latitude REAL,
        longitude REAL,
        uploaded_by INTEGER REFERENCES users(id),
        uploaded_at TEXT NOT NULL
    );
    CREATE TABLE hazards (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER REFERENCES units(id),
        inspection_id INTEGER REFERENCES inspections(id),
        checklist_item_id INTEGER REFERENCES checklist_items(id),
        source TEXT NOT NULL CHECK (source IN ('inspection','report','qr')),
        description TEXT NOT NULL,
        category TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('general','major')),
        status TEXT NOT NULL CHECK (status IN ('reported','assigned','rectified','closed')),
        reported_by INTEGER REFERENCES users(id),
        reported_at TEXT NOT NULL,
        client_time TEXT,
        latitude REAL,
        longitude REAL,
        accuracy REAL,
        owner_id INTEGER REFERENCES users(id),
        measure TEXT,
        money REAL,
        deadline TEXT,
        plan TEXT,
        supervised INTEGER NOT NULL DEFAULT 0,
        assigned_by INTEGER REFERENCES users(id),
        assigned_at TEXT,
        rectified_by INTEGER REFERENCES users(id),
        rectified_at TEXT,
        verified_by INTEGER REFERENCES users(id),
        closed_at TEXT,
        on_the_spot INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX hazards_enterprise ON hazards(enterprise_id, status);
    CREATE INDEX hazards_owner ON hazards(owner_id, status);
    CREATE TABLE hazard_events (
        id INTEGER PRIMARY KEY,
        hazard_id INTEGER NOT NULL REFERENCES hazards(id),
        at TEXT NOT NULL,
        user_id INTEGER REFERENCES users(id),
        action TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        client_time TEXT,
        latitude REAL,
        longitude REAL,
        accuracy REAL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX hazard_events_hazard ON hazard_events(hazard_id);
    CREATE TABLE hazard_photos (
        id INTEGER PRIMARY KEY,
        hazard_id INTEGER NOT NULL REFERENCES hazards(id),
        event_id INTEGER NOT NULL REFERENCES hazard_events(id),
        photo_id INTEGER NOT NULL REFERENCES photos(id),
        stage TEXT NOT NULL CHECK (stage IN ('before','after','verify'))
    );
    CREATE INDEX hazard_photos_hazard ON hazard_photos(hazard_id);
    CREATE INDEX hazard_photos_photo ON hazard_photos(photo_id);
    CREATE TABLE idempotency (
        key TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER,
        location TEXT,
        body BLOB,
        content_type TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (key, user_id)
    );
    """
)

MIGRATIONS.append(
    """
    UPDATE hazards SET supervised = 1 WHERE level = 'major' AND supervised = 0
    """
)

# A random token per account, part of every session and remember-me cookie: changing it ends them all.
MIGRATIONS.append(
    """
    ALTER TABLE users ADD COLUMN session_token TEXT NOT NULL DEFAULT '';
    UPDATE users SET session_token = lower(hex(randomblob(16)));
    """
)

# The audit log is read by enterprise, person, record kind and date (操作记录): each entry is stamped with
# the enterprise of its record when written (scope.audit_enterprise), and every filter walks an index in
# id order, so a page never sorts or scans the whole log. Users by enterprise count a unit tree's people.
MIGRATIONS.append(
    """
    ALTER TABLE audit_log ADD COLUMN enterprise_id INTEGER REFERENCES enterprises(id);
    UPDATE audit_log SET enterprise_id = CASE entity
        WHEN 'enterprise' THEN entity_id
        WHEN 'unit' THEN (SELECT enterprise_id FROM units WHERE id = audit_log.entity_id)
        WHEN 'user' THEN (SELECT enterprise_id FROM users WHERE id = audit_log.entity_id)
        WHEN 'checklist' THEN (SELECT enterprise_id FROM checklists WHERE id = audit_log.entity_id)
        WHEN 'inspection' THEN (SELECT enterprise_id FROM inspections WHERE id = audit_log.entity_id)
        WHEN 'hazard' THEN (SELECT enterprise_id FROM hazards WHERE id = audit_log.entity_id)
    END;
    CREATE INDEX audit_enterprise ON audit_log(enterprise_id);
    CREATE INDEX audit_user ON audit_log(user_id);
    CREATE INDEX audit_kind ON audit_log(entity);
    CREATE INDEX audit_at ON audit_log(at);
    CREATE INDEX users_enterprise ON users(enterprise_id)
    """
)

# City scale: what is due and what is open, per enterprise, kept in one row (overview.refresh) instead of
# being recomputed from every checklist on every page. Each checklist remembers its two latest
# inspections; every change that moves an enterprise's numbers marks its row stale (valid_until = ''),
# and time marks it stale at the next period boundary. The row copies the enterprise's name, industry,
# grid and 达标 status under the same column names, so scope.enterprise_where applies to it as it is.
MIGRATIONS.append(
    """
    ALTER TABLE checklists ADD COLUMN last_done_at TEXT;
    ALTER TABLE checklists ADD COLUMN prior_done_at TEXT;
    UPDATE checklists SET last_done_at = (
        SELECT MAX(submitted_at) FROM inspections i WHERE i.checklist_id = checklists.id);
    UPDATE checklists SET prior_done_at = (
        SELECT MAX(submitted_at) FROM inspections i
        WHERE i.checklist_id = checklists.id AND i.submitted_at < checklists.last_done_at)
    WHERE last_done_at IS NOT NULL;
    CREATE TABLE enterprise_overview (
        id INTEGER PRIMARY KEY REFERENCES enterprises(id),
        name TEXT NOT NULL,
        industry TEXT NOT NULL,
        grid_id INTEGER,
        standard_status TEXT,
        checklists INTEGER NOT NULL DEFAULT 0,
        done INTEGER NOT NULL DEFAULT 0,
        overdue INTEGER NOT NULL DEFAULT 0,
        grid_done_at TEXT,
        open_hazards INTEGER NOT NULL DEFAULT 0,
        overdue_hazards INTEGER NOT NULL DEFAULT 0,
        major_hazards INTEGER NOT NULL DEFAULT 0,
        valid_until TEXT NOT NULL DEFAULT ''
    );
    INSERT INTO enterprise_overview (id, name, industry, grid_id, standard_status)
        SELECT id, name, industry, grid_id, standard_status FROM enterprises;
    CREATE INDEX overview_stale ON enterprise_overview(valid_until);
    CREATE INDEX overview_worst ON enterprise_overview(major_hazards, overdue_hazards, overdue, open_hazards, id);
    CREATE INDEX overview_name ON enterprise_overview(name, id);
    CREATE INDEX overview_grid ON enterprise_overview(grid_id, name);
    CREATE INDEX overview_industry ON enterprise_overview(industry);
    CREATE INDEX enterprises_grid ON enterprises(grid_id);
    CREATE INDEX enterprises_industry ON enterprises(industry);
    CREATE INDEX grids_county ON grids(county);
    CREATE INDEX units_parent ON units(parent_id);
    CREATE INDEX users_unit ON users(unit_id);
    CREATE INDEX users_grid ON users(grid_id);
    CREATE INDEX hazards_open ON hazards(level, status, deadline);
    CREATE INDEX hazards_unit ON hazards(unit_id, status);
    CREATE INDEX hazards_reporter ON hazards(reported_by, status);
    CREATE INDEX checklists_unit ON checklists(unit_id);
    CREATE INDEX checklists_responsible ON checklists(responsible_user_id);
    CREATE TRIGGER overview_enterprise_new AFTER INSERT ON enterprises BEGIN
        INSERT INTO enterprise_overview (id, name, industry, grid_id, standard_status)
        VALUES (NEW.id, NEW.name, NEW.industry, NEW.grid_id, NEW.standard_status);
    END;
    CREATE TRIGGER overview_enterprise_changed AFTER UPDATE ON enterprises BEGIN
        UPDATE enterprise_overview SET name = NEW.name, industry = NEW.industry, grid_id = NEW.grid_id,
            standard_status = NEW.standard_status, valid_until = '' WHERE id = NEW.id;
    END;
    CREATE TRIGGER overview_inspection AFTER INSERT ON inspections BEGIN
        UPDATE checklists SET prior_done_at = last_done_at, last_done_at = NEW.submitted_at
        WHERE id = NEW.checklist_id AND (last_done_at IS NULL OR last_done_at <= NEW.submitted_at);
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END;
    CREATE TRIGGER overview_checklist_new AFTER INSERT ON checklists BEGIN
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END;
    CREATE TRIGGER overview_checklist_changed AFTER UPDATE OF archived_at, frequency, unit_id, tier ON checklists
    BEGIN
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END;
    CREATE TRIGGER overview_unit_changed AFTER UPDATE OF archived_at ON units BEGIN
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END;
    CREATE TRIGGER overview_hazard_new AFTER INSERT ON hazards BEGIN
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END;
    CREATE TRIGGER overview_hazard_changed AFTER UPDATE OF status, level, deadline ON hazards BEGIN
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END
    """
)

# An inspection's page lists the hazards it found.
MIGRATIONS.append(
    """
    CREATE INDEX hazards_inspection ON hazards(inspection_id)
    """
)

# The overview summed per grid and industry (the keys a supervisor's scope filters by), so a county's totals
# read a few hundred rows instead of one per enterprise. Kept by overview.refresh for the grids it touches;
# an enterprise moving grid or industry marks its old grid for recounting.
MIGRATIONS.append(
    """
    CREATE TABLE area_overview (
        grid_id INTEGER NOT NULL,
        industry TEXT NOT NULL,
        enterprises INTEGER NOT NULL, checklists INTEGER NOT NULL, done INTEGER NOT NULL, overdue INTEGER NOT NULL,
        open_hazards INTEGER NOT NULL, overdue_hazards INTEGER NOT NULL, major_hazards INTEGER NOT NULL,
        with_major INTEGER NOT NULL, with_late INTEGER NOT NULL, with_overdue INTEGER NOT NULL,
        with_open INTEGER NOT NULL, standard_none INTEGER NOT NULL, standard_self_assessed INTEGER NOT NULL,
        standard_national INTEGER NOT NULL, standard_provincial INTEGER NOT NULL, standard_local INTEGER NOT NULL,
        PRIMARY KEY (grid_id, industry)
    );
    CREATE TABLE area_stale (grid_id INTEGER PRIMARY KEY);
    INSERT INTO area_stale SELECT DISTINCT COALESCE(grid_id, 0) FROM enterprise_overview;
    CREATE TRIGGER area_enterprise_moved AFTER UPDATE OF grid_id, industry ON enterprises BEGIN
        INSERT OR IGNORE INTO area_stale VALUES (COALESCE(OLD.grid_id, 0));
    END
    """
)

# A hazard list and its export walk an enterprise's hazards newest first, page by page, without a sort.
MIGRATIONS.append(
    """
    CREATE INDEX hazards_enterprise_newest ON hazards(enterprise_id, id)
    """
)

# The 账号 page walks a county's million accounts by role then username (or name), a manager's staff the same way.
MIGRATIONS.append(
    """
    CREATE INDEX users_role ON users(role, username);
    CREATE INDEX users_role_name ON users(role, name, username);
    CREATE INDEX users_enterprise_role ON users(enterprise_id, role, username)
    """
)

# A record says which later record corrected it: the few corrections found by index, not by walking every
# inspection (100,000 enterprises: the inspection page 650 ms → 2 ms).
MIGRATIONS.append(
    """
    CREATE INDEX inspections_corrects ON inspections(corrects_id) WHERE corrects_id IS NOT NULL
    """
)

# 六有 signs and the notices of 三级警示公告, each at a unit (or the whole enterprise), with the tokens printed on
# their QR labels: a token lives as long as its sign; a reissued label gets a new one and the old still finds it.
MIGRATIONS.append(
    """
    CREATE TABLE signs (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER REFERENCES units(id),
        kind TEXT NOT NULL,
        sign_class TEXT,
        title TEXT NOT NULL,
        place TEXT,
        equipment TEXT,
        content TEXT,
        risk TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL DEFAULT 'intact' CHECK (state IN ('intact','damaged','missing')),
        checked_at TEXT,
        checked_by INTEGER REFERENCES users(id),
        retired_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX signs_unit ON signs(enterprise_id, unit_id);
    CREATE TABLE sign_tokens (
        token TEXT PRIMARY KEY,
        sign_id INTEGER NOT NULL REFERENCES signs(id),
        code TEXT NOT NULL UNIQUE,
        issued_at TEXT NOT NULL,
        issued_by INTEGER REFERENCES users(id),
        replaced_at TEXT
    );
    CREATE INDEX sign_tokens_sign ON sign_tokens(sign_id)
    """
)

# What happens at a sign: each on-the-spot check (a 破损/缺失 one tied to the hazard it became), each signed-in
# scan as presence, and the public's reports from its QR page with the receipt the reporter looks them up by.
MIGRATIONS.append(
    """
    CREATE TABLE sign_checks (
        id INTEGER PRIMARY KEY,
        sign_id INTEGER NOT NULL REFERENCES signs(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        state TEXT NOT NULL CHECK (state IN ('intact','damaged','missing')),
        note TEXT NOT NULL DEFAULT '',
        hazard_id INTEGER REFERENCES hazards(id),
        checked_by INTEGER NOT NULL REFERENCES users(id),
        checked_at TEXT NOT NULL,
        client_time TEXT,
        latitude REAL,
        longitude REAL,
        accuracy REAL
    );
    CREATE INDEX sign_checks_sign ON sign_checks(sign_id, id);
    CREATE INDEX sign_checks_person ON sign_checks(checked_by, checked_at);
    CREATE TABLE sign_presence (
        id INTEGER PRIMARY KEY,
        sign_id INTEGER NOT NULL REFERENCES signs(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        at TEXT NOT NULL,
        client_time TEXT,
        latitude REAL,
        longitude REAL,
        accuracy REAL
    );
    CREATE INDEX sign_presence_person ON sign_presence(user_id, enterprise_id, at);
    CREATE TABLE public_reports (
        id INTEGER PRIMARY KEY,
        receipt TEXT NOT NULL UNIQUE,
        sign_id INTEGER NOT NULL REFERENCES signs(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER REFERENCES units(id),
        description TEXT NOT NULL,
        phone TEXT,
        photo_id INTEGER REFERENCES photos(id),
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','confirmed','dismissed')),
        reply TEXT,
        hazard_id INTEGER REFERENCES hazards(id),
        reviewed_by INTEGER REFERENCES users(id),
        reviewed_at TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX public_reports_enterprise ON public_reports(enterprise_id, state);
    CREATE INDEX public_reports_waiting ON public_reports(state, enterprise_id)
    """
)

# Four-colour risk (seed 001 §三(四)): risk points at workshops and posts with their current assessment, every
# assessment kept as history with a snapshot of the point, control measures with lasting ids so the checklist items
# offered from them stay tied; floor plans with each point's mark and zone; the enterprise's overall colour with
# every change kept; and 5S scores, each an inspection of a post's 5S checklist (checklists.kind = 'five_s').
MIGRATIONS.append(
    """
    CREATE TABLE risk_points (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER NOT NULL REFERENCES units(id),
        name TEXT NOT NULL,
        place TEXT NOT NULL DEFAULT '',
        activity TEXT NOT NULL DEFAULT '',
        factors TEXT NOT NULL DEFAULT '{}',
        accident_types TEXT NOT NULL DEFAULT '',
        consequences TEXT NOT NULL DEFAULT '',
        method TEXT NOT NULL,
        factor_values TEXT NOT NULL DEFAULT '{}',
        score REAL NOT NULL,
        colour TEXT NOT NULL CHECK (colour IN ('red','orange','yellow','blue')),
        level_name TEXT NOT NULL,
        responsible_user_id INTEGER REFERENCES users(id),
        responsible_name TEXT NOT NULL DEFAULT '',
        review_on TEXT,
        assessed_by INTEGER REFERENCES users(id),
        assessed_at TEXT NOT NULL,
        retired_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX risk_points_current ON risk_points(enterprise_id, colour) WHERE retired_at IS NULL;
    CREATE INDEX risk_points_unit ON risk_points(unit_id);
    CREATE TABLE risk_assessments (
        id INTEGER PRIMARY KEY,
        point_id INTEGER NOT NULL REFERENCES risk_points(id),
        method TEXT NOT NULL,
        factor_values TEXT NOT NULL,
        score REAL NOT NULL,
        colour TEXT NOT NULL,
        level_name TEXT NOT NULL,
        snapshot TEXT NOT NULL DEFAULT '{}',
        reason TEXT NOT NULL DEFAULT '',
        assessed_by INTEGER REFERENCES users(id),
        assessed_at TEXT NOT NULL
    );
    CREATE INDEX risk_assessments_point ON risk_assessments(point_id, id);
    CREATE TABLE risk_measures (
        id INTEGER PRIMARY KEY,
        point_id INTEGER NOT NULL REFERENCES risk_points(id),
        kind TEXT NOT NULL CHECK (kind IN ('engineering','management','training','ppe','emergency')),
        content TEXT NOT NULL,
        position INTEGER NOT NULL,
        removed_at TEXT
    );
    CREATE INDEX risk_measures_point ON risk_measures(point_id);
    ALTER TABLE checklist_items ADD COLUMN risk_measure_id INTEGER REFERENCES risk_measures(id);
    CREATE INDEX checklist_items_measure ON checklist_items(risk_measure_id) WHERE risk_measure_id IS NOT NULL;
    ALTER TABLE hazards ADD COLUMN risk_point_id INTEGER REFERENCES risk_points(id);
    CREATE INDEX hazards_risk_point ON hazards(risk_point_id) WHERE risk_point_id IS NOT NULL;

    CREATE TABLE risk_maps (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER REFERENCES units(id),
        title TEXT NOT NULL,
        photo_id INTEGER NOT NULL REFERENCES photos(id),
        created_by INTEGER REFERENCES users(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        retired_at TEXT
    );
    CREATE INDEX risk_maps_enterprise ON risk_maps(enterprise_id);
    CREATE TABLE risk_map_marks (
        map_id INTEGER NOT NULL REFERENCES risk_maps(id),
        point_id INTEGER NOT NULL REFERENCES risk_points(id),
        x REAL NOT NULL CHECK (x BETWEEN 0 AND 1),
        y REAL NOT NULL CHECK (y BETWEEN 0 AND 1),
        zone TEXT NOT NULL DEFAULT '[]',
        placed_by INTEGER REFERENCES users(id),
        placed_at TEXT NOT NULL,
        PRIMARY KEY (map_id, point_id)
    );
    CREATE INDEX risk_map_marks_point ON risk_map_marks(point_id);

    ALTER TABLE enterprises ADD COLUMN colour TEXT CHECK (colour IN ('red','orange','yellow','blue'));
    ALTER TABLE enterprises ADD COLUMN colour_override TEXT CHECK (colour_override IN ('red','orange','yellow','blue'));
    ALTER TABLE enterprises ADD COLUMN colour_reasons TEXT NOT NULL DEFAULT '[]';
    CREATE TABLE enterprise_colours (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        colour TEXT NOT NULL,
        computed TEXT NOT NULL,
        reasons TEXT NOT NULL DEFAULT '[]',
        override_reason TEXT,
        changed_by INTEGER REFERENCES users(id),
        at TEXT NOT NULL
    );
    CREATE INDEX enterprise_colours_enterprise ON enterprise_colours(enterprise_id, id);
    ALTER TABLE enterprise_overview ADD COLUMN colour TEXT;
    ALTER TABLE enterprise_overview ADD COLUMN size_class TEXT;
    ALTER TABLE enterprise_overview ADD COLUMN next_visit_on TEXT;
    UPDATE enterprise_overview SET valid_until = '',
        size_class = (SELECT size_class FROM enterprises e WHERE e.id = enterprise_overview.id);
    CREATE INDEX overview_plan ON enterprise_overview(grid_id, next_visit_on, id);
    CREATE TRIGGER overview_colour AFTER UPDATE OF colour, size_class ON enterprises BEGIN
        UPDATE enterprise_overview SET colour = NEW.colour, size_class = NEW.size_class, valid_until = ''
        WHERE id = NEW.id;
    END;
    DROP TRIGGER overview_enterprise_new;
    CREATE TRIGGER overview_enterprise_new AFTER INSERT ON enterprises BEGIN
        INSERT INTO enterprise_overview (id, name, industry, grid_id, standard_status, size_class, colour)
        VALUES (NEW.id, NEW.name, NEW.industry, NEW.grid_id, NEW.standard_status, NEW.size_class, NEW.colour);
    END;

    ALTER TABLE checklists ADD COLUMN kind TEXT NOT NULL DEFAULT 'check' CHECK (kind IN ('check','five_s'));
    CREATE TABLE five_s_scores (
        id INTEGER PRIMARY KEY,
        inspection_id INTEGER NOT NULL REFERENCES inspections(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        unit_id INTEGER NOT NULL REFERENCES units(id),
        person TEXT,
        person_user_id INTEGER REFERENCES users(id),
        total REAL NOT NULL,
        scored_by INTEGER NOT NULL REFERENCES users(id),
        scored_at TEXT NOT NULL
    );
    CREATE INDEX five_s_scores_unit ON five_s_scores(unit_id, scored_at);
    CREATE INDEX five_s_scores_enterprise ON five_s_scores(enterprise_id, scored_at);
    CREATE INDEX five_s_scores_inspection ON five_s_scores(inspection_id);
    CREATE TABLE five_s_deductions (
        id INTEGER PRIMARY KEY,
        score_id INTEGER NOT NULL REFERENCES five_s_scores(id),
        checklist_item_id INTEGER NOT NULL REFERENCES checklist_items(id),
        points REAL NOT NULL CHECK (points > 0),
        note TEXT NOT NULL DEFAULT '',
        hazard_id INTEGER REFERENCES hazards(id)
    );
    CREATE INDEX five_s_deductions_score ON five_s_deductions(score_id);
    CREATE TABLE five_s_photos (
        deduction_id INTEGER NOT NULL REFERENCES five_s_deductions(id),
        photo_id INTEGER NOT NULL REFERENCES photos(id),
        PRIMARY KEY (deduction_id, photo_id)
    )
    """
)

# Government supervision (issue seeds 001, 003, 004): the grid worker's day plan and unannounced (四不两直) visits;
# 双随机 draws kept with their seed and population so anyone can replay them, and the inspection tasks they make;
# the 告知书/承诺书 deliveries; self-assessments against GB/T 33000's elements and the government's gradings and
# stars; the 回头看 re-verification of closed hazards; 挂牌督办 listings with their 五落实 checks; enforcement
# actions; and the monthly report forms, each submitted one kept as a frozen snapshot.
MIGRATIONS.append(
    """
    CREATE TABLE day_plans (
        user_id INTEGER NOT NULL REFERENCES users(id),
        day TEXT NOT NULL,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        position INTEGER NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (user_id, day, enterprise_id)
    );
    ALTER TABLE inspections ADD COLUMN unannounced INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE draws (
        id INTEGER PRIMARY KEY,
        purpose TEXT NOT NULL,
        seed TEXT NOT NULL,
        population TEXT NOT NULL DEFAULT '{}',
        population_ids TEXT NOT NULL DEFAULT '[]',
        pool TEXT NOT NULL DEFAULT '{}',
        pool_ids TEXT NOT NULL DEFAULT '[]',
        enterprises INTEGER NOT NULL,
        inspectors INTEGER NOT NULL,
        exclude_own_grid INTEGER NOT NULL DEFAULT 1,
        redraw_of INTEGER REFERENCES draws(id),
        redraw_reason TEXT,
        superseded_at TEXT,
        drawn_by INTEGER NOT NULL REFERENCES users(id),
        drawn_at TEXT NOT NULL
    );
    CREATE TABLE inspection_tasks (
        id INTEGER PRIMARY KEY,
        draw_id INTEGER REFERENCES draws(id),
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        inspector_id INTEGER NOT NULL REFERENCES users(id),
        due_on TEXT,
        inspection_id INTEGER REFERENCES inspections(id),
        done_at TEXT,
        cancelled_at TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX inspection_tasks_inspector ON inspection_tasks(inspector_id, done_at);
    CREATE INDEX inspection_tasks_draw ON inspection_tasks(draw_id);
    CREATE INDEX inspection_tasks_enterprise ON inspection_tasks(enterprise_id);
    CREATE TABLE enterprise_papers (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        kind TEXT NOT NULL CHECK (kind IN ('notice','commitment')),
        on_date TEXT NOT NULL,
        person TEXT NOT NULL,
        photo_id INTEGER REFERENCES photos(id),
        recorded_by INTEGER REFERENCES users(id),
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX enterprise_papers_enterprise ON enterprise_papers(enterprise_id, kind);
    CREATE TABLE self_assessments (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        library_doc_id INTEGER NOT NULL REFERENCES library_docs(id),
        started_by INTEGER REFERENCES users(id),
        started_at TEXT NOT NULL,
        submitted_by INTEGER REFERENCES users(id),
        submitted_at TEXT,
        score REAL,
        full_score REAL
    );
    CREATE INDEX self_assessments_enterprise ON self_assessments(enterprise_id, id);
    CREATE TABLE self_assessment_items (
        assessment_id INTEGER NOT NULL REFERENCES self_assessments(id),
        library_item_id INTEGER NOT NULL REFERENCES library_items(id),
        deducted REAL NOT NULL DEFAULT 0,
        not_applicable INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        hazard_id INTEGER REFERENCES hazards(id),
        PRIMARY KEY (assessment_id, library_item_id)
    );
    CREATE TABLE self_assessment_evidence (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES self_assessments(id),
        library_item_id INTEGER NOT NULL REFERENCES library_items(id),
        kind TEXT NOT NULL CHECK (kind IN ('inspection','hazard','document','photo')),
        ref_id INTEGER,
        note TEXT NOT NULL DEFAULT '',
        photo_id INTEGER REFERENCES photos(id),
        added_by INTEGER REFERENCES users(id),
        added_at TEXT NOT NULL
    );
    CREATE INDEX self_assessment_evidence_item ON self_assessment_evidence(assessment_id, library_item_id);
    CREATE TABLE gradings (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        kind TEXT NOT NULL CHECK (kind IN ('grade','star')),
        standard_status TEXT,
        standard_grade INTEGER,
        star_rating INTEGER,
        on_date TEXT NOT NULL,
        publicised_on TEXT,
        plaque_on TEXT,
        note TEXT NOT NULL DEFAULT '',
        recorded_by INTEGER REFERENCES users(id),
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX gradings_enterprise ON gradings(enterprise_id, id);
    CREATE TABLE reverify_draws (
        id INTEGER PRIMARY KEY,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '{}',
        size INTEGER NOT NULL,
        seed TEXT NOT NULL,
        population_ids TEXT NOT NULL DEFAULT '[]',
        drawn_by INTEGER NOT NULL REFERENCES users(id),
        drawn_at TEXT NOT NULL
    );
    CREATE TABLE reverifications (
        id INTEGER PRIMARY KEY,
        draw_id INTEGER NOT NULL REFERENCES reverify_draws(id),
        hazard_id INTEGER NOT NULL REFERENCES hazards(id),
        held INTEGER,
        note TEXT NOT NULL DEFAULT '',
        event_id INTEGER REFERENCES hazard_events(id),
        verified_by INTEGER REFERENCES users(id),
        verified_at TEXT,
        UNIQUE (draw_id, hazard_id)
    );
    CREATE INDEX reverifications_hazard ON reverifications(hazard_id);
    CREATE TABLE supervisions (
        id INTEGER PRIMARY KEY,
        hazard_id INTEGER NOT NULL UNIQUE REFERENCES hazards(id),
        level TEXT NOT NULL CHECK (level IN ('county','city','province')),
        unit TEXT NOT NULL,
        listed_on TEXT NOT NULL,
        deadline TEXT,
        listed_by INTEGER REFERENCES users(id),
        removed_on TEXT,
        removed_by INTEGER REFERENCES users(id),
        removal_note TEXT
    );
    CREATE TABLE supervision_checks (
        supervision_id INTEGER NOT NULL REFERENCES supervisions(id),
        item TEXT NOT NULL CHECK (item IN ('goal','funds','people','time','plan')),
        done INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '',
        photo_id INTEGER REFERENCES photos(id),
        checked_by INTEGER REFERENCES users(id),
        checked_at TEXT,
        PRIMARY KEY (supervision_id, item)
    );
    CREATE TABLE enforcement_actions (
        id INTEGER PRIMARY KEY,
        enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
        kind TEXT NOT NULL,
        on_date TEXT NOT NULL,
        amount REAL,
        note TEXT NOT NULL DEFAULT '',
        recorded_by INTEGER REFERENCES users(id),
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX enforcement_actions_enterprise ON enforcement_actions(enterprise_id, on_date);
    CREATE INDEX enforcement_actions_date ON enforcement_actions(on_date);
    CREATE TABLE monthly_reports (
        id INTEGER PRIMARY KEY,
        form TEXT NOT NULL,
        month TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '{}',
        heading TEXT NOT NULL DEFAULT '{}',
        figures TEXT NOT NULL,
        submitted_by INTEGER NOT NULL REFERENCES users(id),
        submitted_at TEXT NOT NULL
    );
    CREATE INDEX monthly_reports_month ON monthly_reports(month, form);
    ALTER TABLE users ADD COLUMN scope_township TEXT;
    CREATE INDEX grids_township ON grids(county, township)
    """
)

# The dashboards (anbiao/dashboard.py) read a county's figures from the per-area sums, so each overview row also keeps
# its star rating, whether the grid guide was due and done this month, its overdue hazards by age (0–7, 8–30, 31–90,
# over 90 days past the deadline), how many 六有 kinds it has on its walls and its posts' latest 5S scores; a sign
# recorded, checked or retired marks its enterprise's row stale as a hazard does. Every row is recomputed once.
MIGRATIONS.append(
    """
    ALTER TABLE enterprise_overview ADD COLUMN star_rating INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN month_due INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN month_visited INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN late_week INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN late_month INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN late_quarter INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN late_older INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN sign_kinds INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN five_s_posts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN five_s_sum REAL NOT NULL DEFAULT 0;
    ALTER TABLE enterprise_overview ADD COLUMN five_s_low INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN colour_red INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN colour_orange INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN colour_yellow INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN colour_blue INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN star_1 INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN star_2 INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN star_3 INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN month_due INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN month_visited INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN late_week INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN late_month INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN late_quarter INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN late_older INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN liuyou_full INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN liuyou_none INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN five_s_posts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN five_s_sum REAL NOT NULL DEFAULT 0;
    ALTER TABLE area_overview ADD COLUMN five_s_low INTEGER NOT NULL DEFAULT 0;
    CREATE TRIGGER overview_sign_new AFTER INSERT ON signs BEGIN
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END;
    CREATE TRIGGER overview_sign_changed AFTER UPDATE OF kind, state, retired_at, unit_id ON signs BEGIN
        UPDATE enterprise_overview SET valid_until = '' WHERE id = NEW.enterprise_id;
    END;
    UPDATE enterprise_overview SET valid_until = '';
    INSERT OR IGNORE INTO area_stale SELECT DISTINCT COALESCE(grid_id, 0) FROM enterprise_overview
    """
)

# 告知书/承诺书 (anbiao/papers.py): a town's counts of enterprises still missing each paper are read from this index
# alone, grid by grid (with the industry for a department's scope), instead of fetching every enterprise row: at a
# county of 100,000 enterprises the city-wide count takes ~80 ms instead of ~1 s.
MIGRATIONS.append(
    """
    CREATE INDEX enterprises_papers ON enterprises(grid_id, industry, notice_delivered_on, commitment_signed_on)
    """
)

# 回头看 (anbiao/reverify.py): a draw reads the hazards closed in a period through this index, not the whole table.
MIGRATIONS.append(
    """
    CREATE INDEX hazards_closed ON hazards(closed_at) WHERE status = 'closed'
    """
)

# The lists behind the dashboard's figures walk a county's overview worst first (as overview.worst orders it), each
# only through the rows its condition holds: a partial index per condition (dashboard.DRILLS, the same words) and an
# index per colour, 达标 status and star rating. A rare condition (hazards over 90 days late, 六有齐全) no longer
# walks 100,000 rows to find its few (measured 400–500 ms before, bench/dashboard.py).
MIGRATIONS.append(
    """
    CREATE INDEX overview_colour_worst ON enterprise_overview(
        colour, major_hazards, overdue_hazards, overdue, open_hazards, id);
    CREATE INDEX overview_standard_worst ON enterprise_overview(
        standard_status, major_hazards, overdue_hazards, overdue, open_hazards, id);
    CREATE INDEX overview_star_worst ON enterprise_overview(
        star_rating, major_hazards, overdue_hazards, overdue, open_hazards, id);
    CREATE INDEX overview_month_due ON enterprise_overview(major_hazards, overdue_hazards, overdue, open_hazards, id)
        WHERE month_due = 1;
    CREATE INDEX overview_month_visited ON enterprise_overview(
        major_hazards, overdue_hazards, overdue, open_hazards, id) WHERE month_visited = 1;
    CREATE INDEX overview_month_missed ON enterprise_overview(
        major_hazards, overdue_hazards, overdue, open_hazards, id) WHERE month_due = 1 AND month_visited = 0;
    CREATE INDEX overview_late_week ON enterprise_overview(major_hazards, overdue_hazards, overdue, open_hazards, id)
        WHERE late_week > 0;
    CREATE INDEX overview_late_month ON enterprise_overview(major_hazards, overdue_hazards, overdue, open_hazards, id)
        WHERE late_month > 0;
    CREATE INDEX overview_late_quarter ON enterprise_overview(
        major_hazards, overdue_hazards, overdue, open_hazards, id) WHERE late_quarter > 0;
    CREATE INDEX overview_late_older ON enterprise_overview(major_hazards, overdue_hazards, overdue, open_hazards, id)
        WHERE late_older > 0;
    CREATE INDEX overview_liuyou_full ON enterprise_overview(
        major_hazards, overdue_hazards, overdue, open_hazards, id) WHERE sign_kinds >= 6;
    CREATE INDEX overview_liuyou_part ON enterprise_overview(
        major_hazards, overdue_hazards, overdue, open_hazards, id) WHERE sign_kinds BETWEEN 1 AND 5;
    CREATE INDEX overview_liuyou_none ON enterprise_overview(
        major_hazards, overdue_hazards, overdue, open_hazards, id) WHERE sign_kinds = 0;
    CREATE INDEX overview_five_s_scored ON enterprise_overview(
        major_hazards, overdue_hazards, overdue, open_hazards, id) WHERE five_s_posts > 0;
    CREATE INDEX overview_five_s_low ON enterprise_overview(major_hazards, overdue_hazards, overdue, open_hazards, id)
        WHERE five_s_low > 0
    """
)

# The monthly report counts an area's hazards found and closed in a month: each enterprise's by date, not all of
# them ever reported.
MIGRATIONS.append(
    """
    CREATE INDEX hazards_reported ON hazards(enterprise_id, reported_at);
    CREATE INDEX hazards_closed_on ON hazards(enterprise_id, closed_at) WHERE closed_at IS NOT NULL
    """
)

# The 新增 ledger lists the enterprises enrolled in a period: found through their enrolment date, not by walking a
# whole county (0.4 s at 100,000 enterprises when the period enrolled none).
MIGRATIONS.append(
    """
    CREATE INDEX enterprises_created ON enterprises(created_at)
    """
)

# The monthly report asks of every enterprise in a county whether it keeps each tier of list (三张清单), a 5S list, and
# which grid guide its government visits filled: each is one seek in this index, not a walk over its ~15 lists.
MIGRATIONS.append(
    """
    CREATE INDEX checklists_kinds ON checklists(enterprise_id, tier, kind, archived_at)
    """
)
