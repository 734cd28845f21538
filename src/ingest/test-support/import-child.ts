// A separate process that imports a file and reports when it is well under way, so a test can kill it mid-import.
import { openDatabase, type DatabaseOptions } from '../../db/engine.js';
import { importFile } from '../importer.js';

const [optionsJson, file, entity] = process.argv.slice(2);
const database = await openDatabase(JSON.parse(optionsJson!) as DatabaseOptions);
let announced = false;
await importFile(database, file!, { entity: entity as 'orders' }, {
  onProgress: (p) => {
    if (!announced && p.rowsRead > 20_000) {
      announced = true;
      process.stdout.write('under way\n');
    }
  },
});
process.stdout.write('finished\n');
await database.close();
